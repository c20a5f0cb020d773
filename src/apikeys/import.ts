// Live API keys as one api-keys.yaml: every key not revoked, with its permissions and no
// valueSink. A sink is needed only to create a key (its value exists once, in the create's
// answer); a key import writes exists already, so its file is valid and plans clean as written.
import { createRequire } from 'node:module';
import type { YAMLMap } from 'yaml';
import { escapeText } from '../text/escape.js';
import type { LiveApiKey } from '../model/api-key.js';
import { compareText } from '../text/order.js';

/** How an imported file names the live key it was written from (plan takes over only such a key). */
export const IMPORTED_FROM = 'Imported from the live API key';

export interface ApiKeysFile {
  text: string;
  /** Names of the keys written, in order. */
  keys: string[];
}

/** The keys import writes (every key not revoked, by name) and their documents, without a valueSink (they exist: nothing to create). */
export function importedApiKeys(live: readonly LiveApiKey[]): { key: LiveApiKey; document: Record<string, unknown> }[] {
  return live
    .filter((k) => k.status === 'ACTIVE')
    .sort((a, b) => compareText(a.name, b.name))
    .map((k) => ({
      key: k,
      document: {
        apiVersion: 'paystrator-gitops/v1',
        kind: 'ApiKey',
        metadata: { name: k.name },
        spec: { permissions: { ...k.permissions }, status: 'ACTIVE' },
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
    root.commentBefore = ` yaml-language-server: $schema=${opts.schemaRef}\n ${IMPORTED_FROM} ${escapeText(k.id)} (${escapeText(k.prefix)}..., environment ${opts.environment}).`;
    const perms = doc.getIn(['spec', 'permissions'], true) as YAMLMap | undefined;
    if (perms) perms.flow = true;
    const spec = doc.get('spec', true) as YAMLMap;
    const pair = spec.items.find((i) => (i.key as { value?: unknown }).value === 'status');
    if (pair) (pair.key as { commentBefore?: string }).commentBefore = ` no valueSink: it is needed only to create a key (a new key's value is written there); this one exists`;
    return doc.toString({ lineWidth: 0 });
  });
  return { text: docs.join('---\n'), keys: keys.map((k) => k.name) };
}
