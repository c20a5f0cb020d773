// `import`: one provider file per live provider, so an account clicked together in the dashboard is
// in git in minutes. Nothing changes live: the providers become managed when the user applies.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { schemasDir } from '../../catalog/catalog.js';
import { ExitError, warning, type Diagnostic } from '../../diagnostics.js';
import { planImport, type DeclaredProvider, type ImportItem } from '../../import/plan.js';
import { loadDesiredFiles } from '../../load/providers.js';
import { validateProviderDocument } from '../../load/validate.js';
import { isRecord, parseYaml } from '../../load/yaml.js';
import type { SecretRefTarget } from '../../model/state.js';
import { connect, desiredFilesOptions, openWorkspace, type Workspace } from '../../app/workspace.js';
import type { GlobalOptions } from '../options.js';
import { printDiagnostics, type Io } from '../io.js';
import { redact } from '../../text/redact.js';
import { escapeText as t } from '../../text/escape.js';
import { lockWaitNotice } from '../lock-notice.js';
import { importPatch } from '../../import/preview.js';
import { colourPatch } from '../../text/patch.js';

export interface ImportFlags {
  outDir?: string;
  overwrite?: boolean;
  secretStore?: string;
  /** Print the diff of every file import would write, and write nothing. */
  dryRun?: boolean;
  /** Do not print the diff of the files written. */
  quiet?: boolean;
  /** With --dry-run: exit 2 when there are files to write. */
  detailedExitcode?: boolean;
}

const posix = (p: string) => p.split(path.sep).join('/');

/** The folder before the first glob character of the first pattern: providers/**\/*.yaml -> providers. */
export function defaultOutDir(patterns: readonly string[]): string {
  const first = patterns[0] ?? '';
  const fixed = first.split('/').filter((_, i, parts) => !parts.slice(0, i + 1).some((s) => /[*?[\]{}()!]/.test(s)));
  // A pattern without glob characters names a file: its folder is where files go.
  const dir = fixed.length === first.split('/').length ? fixed.slice(0, -1) : fixed;
  return dir.join('/');
}

function chooseStore(ws: Workspace, wanted: string | undefined): { store: string; warnings: Diagnostic[] } {
  const declared = [...ws.stores.keys()].sort();
  const store = wanted ?? (declared.includes('env') ? 'env' : declared[0] ?? 'env');
  const warnings = declared.includes(store)
    ? []
    : [warning(`secret store "${store}" is not declared in ${path.basename(ws.config.file)}: add it under secretStores before you plan`, { rule: 'import' })];
  return { store, warnings };
}

/** For --overwrite: how many documents the declaring file has, and the provider's secretRefs there. */
async function declaredDetails(dir: string, file: string, name: string): Promise<Pick<DeclaredProvider, 'documents' | 'secretRefs'>> {
  const parsed = parseYaml(await readFile(path.join(dir, file), 'utf8'), file);
  const secretRefs: Record<string, SecretRefTarget> = {};
  for (const doc of parsed.docs) {
    const v = doc.value;
    if (!isRecord(v) || !isRecord(v.metadata) || v.metadata.name !== name || !isRecord(v.spec) || !isRecord(v.spec.credentials)) continue;
    for (const [field, c] of Object.entries(v.spec.credentials)) {
      const ref = isRecord(c) && isRecord(c.secretRef) ? c.secretRef : undefined;
      if (ref && typeof ref.store === 'string' && typeof ref.name === 'string') secretRefs[field] = ref as unknown as SecretRefTarget;
    }
  }
  // Documents with errors count too: they are still in the file a rewrite would replace.
  return { documents: parsed.docs.length + parsed.errors.length, secretRefs };
}

export async function importCommand(io: Io, g: GlobalOptions, o: ImportFlags): Promise<number> {
  const ws = await openWorkspace({ configPath: g.config, envName: g.env, onLockWait: lockWaitNotice(io) });
  const patterns = Array.isArray(ws.env.providers) ? ws.env.providers : [ws.env.providers];
  const notes: Diagnostic[] = [...ws.warnings];

  const files = await loadDesiredFiles(desiredFilesOptions(ws));
  if (files.errors.length) {
    notes.push(warning(`the provider files have ${files.errors.length} error${files.errors.length === 1 ? '' : 's'} (run validate); providers they declare are still recognised by name`, { rule: 'import' }));
  }
  const declared = new Map<string, DeclaredProvider>();
  for (const d of files.declared) declared.set(d.name, { name: d.name, file: d.file, line: d.line, documents: 1, secretRefs: {} });

  const outDir = posix(path.relative(ws.config.dir, path.resolve(o.outDir ?? path.join(ws.config.dir, defaultOutDir(patterns)))));
  const absOut = path.resolve(ws.config.dir, outDir);
  const existing = new Set((await readdir(absOut).catch(() => [] as string[])).map((f) => posix(path.join(outDir, f))));
  const { store, warnings: storeWarnings } = chooseStore(ws, o.secretStore);
  notes.push(...storeWarnings);
  const localSchema = path.join(ws.config.dir, 'schemas', 'provider.schema.json');
  const schemaFile = existsSync(localSchema) ? localSchema : path.join(schemasDir, 'provider.schema.json');

  const connection = await connect(ws);
  let items: ImportItem[];
  let company: string;
  try {
    const [info, live] = await Promise.all([connection.client.company(), connection.client.listProviders()]);
    company = info.id;
    if (ws.env.client && ws.env.client !== info.id) throw new ExitError(`environment ${ws.envName} is for client ${ws.env.client}, but its API key belongs to ${info.id} (${info.name})`);
    if (o.overwrite) {
      for (const p of live) {
        const d = declared.get(p.name);
        if (d) Object.assign(d, await declaredDetails(ws.config.dir, d.file, d.name));
      }
    }
    items = planImport({
      live,
      declared,
      overwrite: o.overwrite === true,
      outDir,
      existing,
      catalog: ws.catalog,
      environment: ws.envName,
      store,
      schemaRefFor: (file) => posix(path.relative(path.dirname(path.resolve(ws.config.dir, file)), schemaFile)),
    });
  } finally {
    await connection.close();
  }

  // Every file written must load as it is: anything that would not is said now, not at plan time.
  for (const item of items) {
    if (!item.text) continue;
    for (const doc of parseYaml(item.text, item.file).docs) {
      const check = validateProviderDocument(item.file, doc, { catalog: ws.catalog, secretStores: new Set([...ws.stores.keys(), store]) });
      for (const d of check.diagnostics) notes.push({ ...d, severity: 'warning', message: `imported as is, but invalid: ${d.message}` });
    }
  }

  const written = items.filter((i) => i.text !== undefined);
  const { patch, files: changing } = await importPatch(ws.config.dir, written);
  if (o.dryRun) {
    printDiagnostics(io, notes);
    if (patch) io.out(colourPatch(patch, io.style));
    io.err(`Dry run: ${changing} file${changing === 1 ? '' : 's'} would be written from ${items.length} live provider${items.length === 1 ? '' : 's'}; nothing was written.\n`);
    return o.detailedExitcode && changing ? 2 : 0;
  }
  for (const item of written) {
    const abs = path.resolve(ws.config.dir, item.file);
    await mkdir(path.dirname(abs), { recursive: true });
    try {
      // A new file never replaces one that appeared since the folder was listed.
      // Live values go into git: one that quotes a resolved secret is masked like any output.
      await writeFile(abs, redact(item.text!), { flag: item.action === 'create' ? 'wx' : 'w' });
    } catch (e) {
      throw new ExitError(`cannot write ${item.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (written.length) {
    const matched = new Set(await glob(patterns, { cwd: ws.config.dir, onlyFiles: true, expandDirectories: false }));
    const outside = written.filter((i) => !matched.has(i.file));
    if (outside.length) {
      notes.push(warning(`${outside.map((i) => i.file).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not matched by environments.${ws.envName}.providers (${patterns.join(', ')}): plan will not see ${outside.length === 1 ? 'it' : 'them'}`, { rule: 'import' }));
    }
  }

  printDiagnostics(io, notes);
  if (patch && !o.quiet) io.out(colourPatch(patch, io.style) + '\n');
  io.out(renderImport(items, { environment: ws.envName, company, outDir: outDir || '.', store }));
  return 0;
}

function renderImport(items: readonly ImportItem[], ctx: { environment: string; company: string; outDir: string; store: string }): string {
  const written = items.filter((i) => i.action !== 'skip');
  // Live names (and the file names and secret names made from them) are outside text: escaped.
  const out = [`Imported ${written.length} of ${items.length} live provider${items.length === 1 ? '' : 's'} from environment "${t(ctx.environment)}" (company ${t(ctx.company)}):`];
  const where = (i: ImportItem) => `${t(i.file)}${i.line ? `:${i.line}` : ''}`;
  const width = Math.max(0, ...items.map((i) => where(i).length));
  for (const i of items) {
    const mark = i.action === 'create' ? '+' : i.action === 'overwrite' ? '~' : '=';
    const tail = i.action === 'skip' ? `${t(i.provider)}: skipped, ${t(String(i.reason))}` : `${t(i.provider)}${i.action === 'overwrite' ? ' (overwritten)' : ''}`;
    out.push(`  ${mark} ${where(i).padEnd(width)}  ${tail}`);
  }
  const secrets = written.flatMap((i) => i.secrets.filter((s) => !s.kept));
  if (secrets.length) {
    out.push('', `Fill in ${secrets.length} secret${secrets.length === 1 ? '' : 's'} before you plan (secret store "${ctx.store}"):`);
    const w = Math.max(...secrets.map((s) => t(s.ref.name).length));
    for (const s of secrets) out.push(`  ${t(s.ref.name).padEnd(w)}  ${t(s.provider)}: ${t(s.field)}`);
  }
  let next: string;
  if (!items.length) next = 'Nothing to import: the account has no provider yet.';
  else if (!written.length) next = 'Nothing to import: every live provider is already in git.';
  else if (secrets.length) next = 'Nothing changed live. Next: fill in the secrets above, then `paystrator-gitops plan` shows only the pending secret fingerprints and the managed-by label of the imported providers; `apply` puts them under git.';
  else next = 'Nothing changed live. Next: `paystrator-gitops plan`, then `apply` puts the imported providers under git.';
  out.push('', next);
  return out.join('\n') + '\n';
}
