// Live API keys as one api-keys.yaml: every key not revoked, with its permissions, and a
// valueSink placeholder that validate refuses until it is filled in (an imported key's value is
// never known; the sink says where a value would go, and the placeholder keeps it explicit).
import { createRequire } from 'node:module';
import type { YAMLMap } from 'yaml';
import { escapeText } from '../text/escape.js';
import { PLACEHOLDER_STORE } from '../load/api-keys.js';
import type { LiveApiKey } from '../model/api-key.js';

export interface ApiKeysFile {
  text: string;
  /** Names of the keys written, in order. */
  keys: string[];
}

/** The keys import writes (every key not revoked, by name) and their documents, each with a valueSink placeholder. */
export function importedApiKeys(live: readonly LiveApiKey[]): { key: LiveApiKey; document: Record<string, unknown> }[] {
  return live
    .filter((k) => k.status === 'ACTIVE')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((k) => ({
      key: k,
      document: {
        apiVersion: 'paystrator-gitops/v1',
        kind: 'ApiKey',
        metadata: { name: k.name },
        spec: { permissions: { ...k.permissions }, status: 'ACTIVE', valueSink: { store: PLACEHOLDER_STORE, name: k.name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase() || 'API_KEY' } },
      },
    }));
}

export function apiKeysFile(live: readonly LiveApiKey[], opts: { schemaRef: string; environment: string }): ApiKeysFile | undefined {
  const imported = importedApiKeys(live);
  if (!imported.length) return undefined;
  // yaml@2 sets itself up (~3 ms) on load; this module sits in the core every command loads (the
  // ApiKey kind uses importedApiKeys), so yaml comes only when import writes a file. The build bundles this require.
  const { Document } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const keys = imported.map((i) => i.key);
  const docs = imported.map(({ key: k, document }) => {
    const doc = new Document(document);
    const root = doc.contents as YAMLMap;
    // Live text goes into a comment, which YAML does not escape: it is escaped here.
    root.commentBefore = ` yaml-language-server: $schema=${opts.schemaRef}\n Imported from the live API key ${escapeText(k.id)} (${escapeText(k.prefix)}..., environment ${opts.environment}).`;
    const perms = doc.getIn(['spec', 'permissions'], true) as YAMLMap | undefined;
    if (perms) perms.flow = true;
    const sink = doc.getIn(['spec', 'valueSink'], true) as YAMLMap;
    sink.flow = true;
    const spec = doc.get('spec', true) as YAMLMap;
    const pair = spec.items.find((i) => (i.key as { value?: unknown }).value === 'valueSink');
    if (pair) (pair.key as { commentBefore?: string }).commentBefore = ` fill in: a secret store (file with dir, vault, aws-secrets-manager) and name for a value of this key; the live value stays where it is`;
    return doc.toString({ lineWidth: 0 });
  });
  return { text: docs.join('---\n'), keys: keys.map((k) => k.name) };
}
