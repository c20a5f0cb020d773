import YAML from 'yaml';
import { SecretStoreError } from './store.js';

/**
 * Parses a JSON or YAML mapping of named secrets (the file and age stores). Object values are
 * kept as JSON text so a secretRef `key` can pick a property, as with every other store. No
 * message ever quotes the text: parser errors and warnings do, so they are dropped.
 */
export function parseNamedValues(text: string, label: string): Map<string, string> {
  let data: unknown;
  try {
    data = YAML.parse(text, { logLevel: 'error' });
  } catch {
    throw new SecretStoreError('invalid', `${label} is not valid YAML or JSON`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new SecretStoreError('invalid', `${label} must be a mapping of names to values`);
  }
  return new Map(
    Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)]),
  );
}
