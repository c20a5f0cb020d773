import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { creationPatch, planInit, writeInit } from '../../init/scaffold.js';
import { colourPatch as colour } from '../../text/patch.js';
import type { Io } from '../io.js';

const colourPatch = (io: Io, patch: string) => colour(patch, io.style);

export interface InitFlags {
  dryRun?: boolean;
  quiet?: boolean;
  detailedExitcode?: boolean;
}

async function dependsOnUs(file: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(file, 'utf8')) as { dependencies?: object; devDependencies?: object };
    return Object.hasOwn(pkg.dependencies ?? {}, 'paystrator-gitops') || Object.hasOwn(pkg.devDependencies ?? {}, 'paystrator-gitops');
  } catch {
    return false;
  }
}

export async function initCommand(io: Io, dir: string, o: InitFlags): Promise<number> {
  const plan = await planInit(dir);
  const shown = path.relative(process.cwd(), plan.dir) || '.';
  if (o.dryRun) {
    for (const f of plan.create) io.out(colourPatch(io, creationPatch(f)));
    for (const f of plan.existing) io.err(`${f} exists: would be left as it is\n`);
    io.err(`Dry run: ${plan.create.length} file${plan.create.length === 1 ? '' : 's'} would be created in ${shown}; nothing was written.\n`);
    return o.detailedExitcode && plan.create.length ? 2 : 0;
  }
  const r = await writeInit(plan);
  if (!o.quiet) {
    const written = new Set(r.written);
    for (const f of plan.create) if (written.has(f.path)) io.out(colourPatch(io, creationPatch(f)));
    if (written.size) io.out('\n');
  }
  for (const f of r.written) io.out(`${io.style.green('+')} ${f}\n`);
  for (const f of r.existing) io.out(`${io.style.yellow('=')} ${f} exists: left as it is\n`);
  io.out(`\nWrote ${r.written.length} file${r.written.length === 1 ? '' : 's'} in ${shown}${r.existing.length ? `, skipped ${r.existing.length} that already existed` : ''}.\n`);
  if (r.existing.includes('package.json') && !(await dependsOnUs(path.join(plan.dir, 'package.json')))) io.out(`package.json was there already: make sure it depends on paystrator-gitops (npm install paystrator-gitops).\n`);
  io.out(
    [
      '',
      'Next:',
      ...(shown === '.' ? [] : [`  cd ${shown}`]),
      '  npm install',
      '  npx paystrator-gitops plan                  # on the embedded sandbox: no server, no key, no network',
      '  npx paystrator-gitops apply --auto-approve  # state in .paystrator/sandbox.json',
      '',
      'Before production:',
      '  - paystrator.yaml: set the production endpoint and client; its apiKey comes from PAYSTRATOR_API_KEY',
      '  - .github/CODEOWNERS: name your team; require code-owner review on main',
      '  - GitHub: an environment named production with required reviewers and the PAYSTRATOR_API_KEY secret;',
      '    the repository secret PAYSTRATOR_READONLY_API_KEY for plan and drift',
      '',
    ].join('\n'),
  );
  return 0;
}
