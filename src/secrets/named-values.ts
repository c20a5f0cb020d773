import { parseYamlText } from '../load/quickyaml.js';
import { decodeYamlBytes } from '../load/text.js';
import { formatLocation } from '../diagnostics.js';
import { SecretStoreError } from './store.js';

/**
 * Parses a JSON or YAML mapping of named secrets (the file and age stores) through the same parse
 * path as provider files. Object values are kept as JSON text so a secretRef `key` can pick a
 * property, as with every other store. Every other value must be text: a number or `!!binary`
 * value would become a different secret than the one written. No message ever quotes the text:
 * parser messages do, so only their position is kept.
 */
export function parseNamedValues(input: string | Uint8Array, label: string): Map<string, string> {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const decoded = decodeYamlBytes(input, label);
    if (!decoded.ok) throw new SecretStoreError('invalid', `${formatLocation(decoded.error)}: ${decoded.error.message}`);
    text = decoded.text;
  }
  const parsed = parseYamlText(text, label);
  const [problem] = parsed.errors;
  if (problem) {
    // Depth and tag messages name no content; syntax messages may, so they are left out.
    const why = problem.rule === 'yaml-syntax' || problem.rule === 'duplicate-key' ? 'the file is not valid YAML or JSON' : problem.message;
    throw new SecretStoreError('invalid', `${formatLocation(problem)}: ${problem.field ? `${problem.field}: ` : ''}${why}`);
  }
  const [doc, extra] = parsed.docs;
  const data = doc?.value;
  if (extra || !data || typeof data !== 'object' || Array.isArray(data)) {
    throw new SecretStoreError('invalid', `${label} must be a mapping of names to values`);
  }
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string') values.set(k, v);
    else if (typeof v === 'object' && v !== null) values.set(k, JSON.stringify(v));
    else {
      const at = formatLocation({ severity: 'error', message: '', file: label, ...doc.pos([k]) });
      const what = v === null ? 'empty' : `a ${typeof v}`;
      throw new SecretStoreError('invalid', `${at}: ${k} is ${what}, not text: quote the value`);
    }
  }
  return values;
}
