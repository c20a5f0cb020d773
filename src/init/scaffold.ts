// What `init` writes: the files under templates/init (shipped in the npm package) plus a
// package.json naming this version. Files are created with the `wx` flag, so an existing file is
// never overwritten, even one that appears between the check and the write.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitError } from '../diagnostics.js';
import { filePatch } from '../text/patch.js';
import { TOOL_VERSION } from '../version.js';

/** templates/ sits next to dist/ and src/ in the package. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/init/', import.meta.url));

// npm leaves .gitignore files out of packages (and reads them as ignore lists), so the template is
// stored without its dot.
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

export interface ScaffoldFile {
  /** Relative to the target folder, forward slashes. */
  path: string;
  content: string;
}

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function packageName(dir: string): string {
  const base = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|-+$/g, '');
  return base || 'paystrator-config';
}

function packageJson(dir: string): string {
  const pkg = {
    name: packageName(dir),
    private: true,
    description: 'Paystrator payment providers as code',
    scripts: {
      validate: 'paystrator-gitops validate',
      plan: 'paystrator-gitops plan',
      apply: 'paystrator-gitops apply',
      drift: 'paystrator-gitops drift',
    },
    engines: { node: '>=20' },
    dependencies: { 'paystrator-gitops': `^${TOOL_VERSION}` },
  };
  return JSON.stringify(pkg, null, 2) + '\n';
}

/** Every file a new config repository gets, in a stable order. */
export async function scaffoldFiles(dir: string): Promise<ScaffoldFile[]> {
  const files: ScaffoldFile[] = [{ path: 'package.json', content: packageJson(dir) }];
  for (const rel of (await walk(TEMPLATE_DIR)).sort()) {
    files.push({ path: RENAMED[rel] ?? rel, content: await readFile(path.join(TEMPLATE_DIR, rel), 'utf8') });
  }
  return files;
}

export interface InitPlan {
  dir: string;
  create: ScaffoldFile[];
  /** Already there: left as they are. */
  existing: string[];
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ExitError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function planInit(dir: string): Promise<InitPlan> {
  const abs = path.resolve(dir);
  if ((await exists(abs)) && !(await stat(abs)).isDirectory()) throw new ExitError(`${dir} is a file, not a folder: init needs a folder for the config repository`);
  const create: ScaffoldFile[] = [];
  const existing: string[] = [];
  for (const f of await scaffoldFiles(dir)) {
    if (await exists(path.join(abs, f.path))) existing.push(f.path);
    else create.push(f);
  }
  return { dir: abs, create, existing };
}

/** Writes the planned files; returns those written and those that appeared meanwhile. */
export async function writeInit(plan: InitPlan): Promise<{ written: string[]; existing: string[] }> {
  const written: string[] = [];
  const existing = [...plan.existing];
  for (const f of plan.create) {
    const target = path.join(plan.dir, f.path);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await writeFile(target, f.content, { flag: 'wx' });
      written.push(f.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ExitError(`cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      existing.push(f.path);
    }
  }
  return { written, existing };
}

/** A git-style unified diff that creates the file: `git apply` in the target folder accepts it. */
export function creationPatch(f: ScaffoldFile): string {
  return filePatch({ path: f.path, after: f.content });
}
