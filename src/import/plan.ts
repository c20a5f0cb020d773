// Which live providers become which files: new ones get a file named after them in the output
// folder; ones git already declares are skipped, or with --overwrite replace the file that
// declares them (only when that file holds nothing else), keeping the secretRefs it had.
import type { Catalog } from '../catalog/catalog.js';
import type { Provider } from '../generated/api.js';
import type { SecretRefTarget } from '../model/state.js';
import { fileSlug, providerFile, secretName, type SecretPlaceholder } from './document.js';

export interface DeclaredProvider {
  name: string;
  /** Workspace-relative path of the file that declares it, and the line. */
  file: string;
  line: number;
  /** Documents in that file. */
  documents: number;
  /** secretRefs of its secret fields, as written there. */
  secretRefs: Record<string, SecretRefTarget>;
}

export interface ImportRequest {
  live: readonly Provider[];
  declared: ReadonlyMap<string, DeclaredProvider>;
  overwrite: boolean;
  /** Workspace-relative folder for new files ('' for the workspace itself), with / separators. */
  outDir: string;
  /** Workspace-relative paths that exist already: a new file never takes one of them. */
  existing: ReadonlySet<string>;
  catalog: Catalog;
  environment: string;
  /** The secret store placeholders name. */
  store: string;
  /** The modeline's schema reference for a file at this workspace-relative path. */
  schemaRefFor(file: string): string;
}

export interface ImportItem {
  provider: string;
  action: 'create' | 'overwrite' | 'skip';
  file: string;
  line?: number;
  reason?: string;
  text?: string;
  secrets: SecretPlaceholder[];
}

const join = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

export function planImport(req: ImportRequest): ImportItem[] {
  const taken = new Set(req.existing);
  const secretNames = new Set<string>();
  const uniqueSecret = (provider: string, field: string): string => {
    const base = secretName(provider, field);
    let name = base;
    for (let i = 2; secretNames.has(name); i++) name = `${base}_${i}`;
    secretNames.add(name);
    return name;
  };
  // Names kept from existing files are taken first, so a new placeholder never reuses one.
  for (const d of req.declared.values()) for (const ref of Object.values(d.secretRefs)) if (ref.store === req.store) secretNames.add(ref.name);

  const items: ImportItem[] = [];
  for (const p of req.live) {
    const declared = req.declared.get(p.name);
    let file: string;
    let action: ImportItem['action'];
    if (declared && !req.overwrite) {
      items.push({ provider: p.name, action: 'skip', file: declared.file, line: declared.line, reason: 'already in git (--overwrite replaces it)', secrets: [] });
      continue;
    }
    if (declared) {
      if (declared.documents > 1) {
        items.push({
          provider: p.name, action: 'skip', file: declared.file, line: declared.line,
          reason: 'declared in a file with other documents: --overwrite replaces only a file that holds one provider', secrets: [],
        });
        continue;
      }
      file = declared.file;
      action = 'overwrite';
    } else {
      const slug = fileSlug(p.name) || `provider-${fileSlug(p.id)}`;
      file = join(req.outDir, `${slug}.yaml`);
      for (let i = 2; taken.has(file); i++) file = join(req.outDir, `${slug}-${i}.yaml`);
      action = 'create';
    }
    taken.add(file);
    const { text, secrets } = providerFile(p, {
      catalog: req.catalog,
      schemaRef: req.schemaRefFor(file),
      environment: req.environment,
      secretRef: (provider, field) => ({ store: req.store, name: uniqueSecret(provider.name, field) }),
      ...(declared ? { keep: declared.secretRefs } : {}),
    });
    items.push({ provider: p.name, action, file, text, secrets });
  }
  return items;
}
