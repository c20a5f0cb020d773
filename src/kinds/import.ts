// `import` of the account settings: each requested kind that git does not declare yet is written
// as its handler's documents, in new files of the output folder (never over an existing file).
import { stringify } from 'yaml';
import type { DeclaredDocument } from '../load/documents.js';
import type { ResourceKindName } from './kind.js';
import { KINDS, resourceKinds, type KindHandlers } from './registry.js';

export interface SettingImport {
  kind: ResourceKindName;
  action: 'create' | 'skip';
  file: string;
  line?: number;
  reason?: string;
  text?: string;
}

const join = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

/** The kinds `import --kind` may name, in apply order. */
export const importableKinds = (kinds: KindHandlers = KINDS): ResourceKindName[] => resourceKinds(kinds).map((k) => k.kind);

/**
 * The files to write for these kinds, from their live state (read by the caller, for the kinds
 * that are not declared yet). A kind git declares already is skipped, naming where.
 */
export function planSettingImport(req: {
  kinds: readonly ResourceKindName[];
  declared: readonly DeclaredDocument[];
  live: ReadonlyMap<ResourceKindName, unknown>;
  outDir: string;
  existing: ReadonlySet<string>;
  handlers?: KindHandlers;
}): SettingImport[] {
  const handlers = req.handlers ?? KINDS;
  const taken = new Set(req.existing);
  const out: SettingImport[] = [];
  for (const k of resourceKinds(handlers).filter((h) => req.kinds.includes(h.kind))) {
    const there = req.declared.find((d) => d.kind === k.kind);
    if (there) {
      out.push({ kind: k.kind, action: 'skip', file: there.file, line: there.line, reason: 'already in git' });
      continue;
    }
    const live = req.live.get(k.kind);
    if (live === undefined) continue;
    for (const f of k.importFiles(live)) {
      const [base, ext] = f.file.endsWith('.yaml') ? [f.file.slice(0, -5), '.yaml'] : [f.file, ''];
      let file = join(req.outDir, f.file);
      for (let i = 2; taken.has(file); i++) file = join(req.outDir, `${base}-${i}${ext}`);
      taken.add(file);
      const header = f.header.split('\n').map((l) => `# ${l}`).join('\n');
      const body = f.documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
      out.push({ kind: k.kind, action: 'create', file, text: `${header}\n${body}` });
    }
  }
  return out;
}
