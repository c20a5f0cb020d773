import path from 'node:path';
import { ExitError, type Diagnostic } from '../../diagnostics.js';
import { renderAnnotations, validateSummaryMarkdown } from '../../render/annotations.js';
import { appendStepSummary } from '../../app/summary.js';
import { loadDesiredFiles } from '../../load/providers.js';
import { desiredFilesOptions, openWorkspace } from '../../app/workspace.js';
import { policyRuleDiagnostics } from '../../policy/workspace-rules.js';
import type { GlobalOptions } from '../options.js';
import { printDiagnostics, type Io } from '../io.js';

export async function validateCommand(io: Io, g: GlobalOptions, o: { format: 'text' | 'json' | 'github' }): Promise<number> {
  let errors: Diagnostic[] = [];
  let warnings: Diagnostic[] = [];
  let count = 0;
  let sequences = 0;
  let env = g.env ?? 'sandbox';
  try {
    const ws = await openWorkspace({ configPath: g.config, envName: g.env });
    env = ws.envName;
    warnings = ws.warnings;
    const r = await loadDesiredFiles(desiredFilesOptions(ws));
    // Rules judge a valid model: with schema errors they would only repeat them.
    const rules = r.value && !r.errors.length ? policyRuleDiagnostics(ws.config, r.value) : { errors: [], warnings: [] };
    errors = [...r.errors, ...rules.errors];
    warnings = [...warnings, ...r.warnings, ...rules.warnings];
    count = r.value?.providers.length ?? 0;
    sequences = r.value?.sequences.length ?? 0;
  } catch (e) {
    if (!(e instanceof ExitError)) throw e;
    errors = e.diagnostics;
  }
  if (o.format === 'json') {
    io.out(JSON.stringify({ valid: errors.length === 0, environment: env, providers: count, sequences, errors, warnings }, null, 2) + '\n');
  } else {
    // github: workflow annotations, so each problem shows on its line of the pull request's diff.
    if (o.format === 'github') io.out(renderAnnotations([...errors, ...warnings], { baseDir: path.dirname(path.resolve(g.config)), repoDir: io.env.GITHUB_WORKSPACE ?? process.cwd() }));
    else printDiagnostics(io, [...errors, ...warnings]);
    const seqs = sequences ? `, ${sequences} sequence${sequences === 1 ? '' : 's'}` : '';
    if (errors.length === 0) io.out(io.style.green(`Valid: ${count} provider${count === 1 ? '' : 's'}${seqs} (environment ${env}).`) + '\n');
    else io.err(`${errors.length} error${errors.length === 1 ? '' : 's'}.\n`);
  }
  await appendStepSummary(io.env, validateSummaryMarkdown(env, count, errors, warnings));
  return errors.length ? 1 : 0;
}
