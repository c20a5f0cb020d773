import path from 'node:path';
import { ExitError, warning, type Diagnostic } from '../../diagnostics.js';
import { computeDrift, withResourceDrift, type SecretComparison } from '../../drift/drift.js';
import { driftResources } from '../../kinds/drift.js';
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from '../../render/drift.js';
import { planDriftWrite, writeDrift } from '../../drift/write.js';
import { driftPatch } from '../../drift/preview.js';
import type { GitHubFlags } from '../../github/context.js';
import { assemble } from '../../render/markdown.js';
import { appendStepSummary } from '../../app/summary.js';
import { fingerprintAnnotation } from '../../live/read.js';
import type { DesiredProvider, LiveProvider } from '../../model/state.js';
import type { Fingerprinter } from '../../secrets/fingerprint.js';
import { comparison, connect, loadDesired, openWorkspace, readLive, readLiveResources, resolveDesiredSecrets, type Workspace } from '../../app/workspace.js';
import type { GlobalOptions } from '../options.js';
import { printDiagnostics, type Io } from '../io.js';
import { lockWaitNotice } from '../lock-notice.js';
import { recordStats } from '../stats.js';
import { colourPatch } from '../../text/patch.js';
import { readLiveSequences } from '../../sequences/live.js';

export interface DriftFlags extends Omit<GitHubFlags, 'githubPr'> {
  format: 'text' | 'markdown' | 'json';
  detailedExitcode?: boolean;
  write?: boolean;
  /** With --write: print the diff of the files it would change, write nothing. */
  dryRun?: boolean;
  /** With --write: do not print the diff of the files written. */
  quiet?: boolean;
  githubIssue?: boolean;
  /** The drift pull request (not a pull request number, as on plan). */
  githubPr?: boolean;
  ignoreUnmanaged?: boolean;
  /** False with --no-resolve-secrets. */
  resolveSecrets: boolean;
}

/**
 * Secrets are resolved only to compare fingerprints. Drift must also work where the secret stores
 * are out of reach (CI with a read-only key): then that comparison is skipped and said so, and
 * secrets changed outside git are still found from the credential versions.
 */
async function compareSecrets(
  ws: Workspace,
  desired: DesiredProvider[],
  live: LiveProvider[],
  company: string,
  resolve: boolean,
): Promise<{ secrets: SecretComparison; desired: DesiredProvider[]; warnings: Diagnostic[]; reads: number }> {
  if (!desired.some((d) => Object.keys(d.secretRefs).length)) return { secrets: { fingerprints: true }, desired, warnings: [], reads: 0 };
  if (!resolve) return { secrets: { fingerprints: false, reason: 'skipped with --no-resolve-secrets' }, desired, warnings: [], reads: 0 };
  try {
    const resolved = await resolveDesiredSecrets(ws, desired, company, { live });
    return { secrets: { fingerprints: true }, desired: withoutForeign(resolved.desired, live, resolved.fingerprinter), warnings: [], reads: resolved.secrets.reads };
  } catch (e) {
    if (!(e instanceof ExitError) || !e.diagnostics.every((d) => d.rule === 'secret-resolve')) throw e;
    const n = e.diagnostics.length;
    return {
      secrets: { fingerprints: false, reason: `${n} secret reference${n === 1 ? '' : 's'} could not be resolved` },
      desired,
      // The resolver's messages name references and failures, never values.
      warnings: e.diagnostics.map(({ severity: _s, message, ...at }) => warning(`${message} (drift goes on without comparing secret values)`, at)),
      reads: 0,
    };
  }
}

/** A live fingerprint of another scheme says nothing about the value: that field is not compared until apply records a current one. */
function withoutForeign(desired: DesiredProvider[], live: LiveProvider[], fp: Fingerprinter): DesiredProvider[] {
  const byName = new Map(live.map((l) => [l.state.name, l]));
  return desired.map((d) => {
    const l = byName.get(d.state.name);
    const foreign = Object.keys(d.secretRefs).filter((f) => {
      const have = l?.annotations[fingerprintAnnotation(f)];
      return have !== undefined && !fp.recognises(have);
    });
    if (!foreign.length) return d;
    const credentials = { ...d.state.credentials };
    for (const f of foreign) credentials[f] = { kind: 'secret', fingerprint: null };
    return { ...d, state: { ...d.state, credentials } };
  });
}

export async function driftCommand(io: Io, g: GlobalOptions, o: DriftFlags): Promise<number> {
  if (o.dryRun && !o.write) throw new ExitError('--dry-run previews what --write would change: use drift --write --dry-run');
  const ws = await openWorkspace({ configPath: g.config, envName: g.env, onLockWait: lockWaitNotice(io) });
  const { desired, sequences, resources, warnings } = await loadDesired(ws);
  const connection = await connect(ws);
  let compared: Awaited<ReturnType<typeof compareSecrets>>;
  let report;
  let liveResources: Awaited<ReturnType<typeof readLiveResources>>;
  try {
    // One request for sequences, and none when git declares no sequence.
    const [read, resourcesLive, liveSequences] = await Promise.all([
      readLive(connection.client, ws),
      readLiveResources(connection.client, resources),
      sequences.length ? readLiveSequences(connection.client) : Promise.resolve([]),
    ]);
    const { company, live } = read;
    liveResources = resourcesLive;
    compared = await compareSecrets(ws, desired, live, company, o.resolveSecrets);
    const providers = computeDrift({
      ...comparison(ws, connection, company, compared.desired, live),
      secrets: compared.secrets,
      countUnmanaged: !o.ignoreUnmanaged,
      sequences,
      liveSequences,
    });
    report = withResourceDrift(providers, driftResources(resources, liveResources));
  } finally {
    await connection.close();
  }
  recordStats(io, { command: 'drift', apiRequests: connection.client.requests, secretReads: compared.reads, providers: desired.length });
  printDiagnostics(io, [...ws.warnings, ...warnings, ...compared.warnings]);

  // With --format json, stdout holds the report alone; everything else goes to stderr.
  const say = o.format === 'json' ? (t: string) => io.err(t) : (t: string) => io.out(t);
  if (o.format === 'json') io.out(renderDriftJson(report));
  else if (o.format === 'markdown') io.out(assemble(renderDriftMarkdown(report), { collapsed: false }).text);
  else io.out(renderDriftText(report, io.style));

  const planned = o.write || o.githubPr ? await planDriftWrite(report, ws.config.dir) : { files: [], skipped: [] };
  const patch = driftPatch(planned.files, ws.config.dir);
  if (o.write) {
    const r = o.dryRun ? { written: [], skipped: planned.skipped } : await writeDrift(report, ws.config.dir, planned);
    // The diff alone on stdout after the report: saved, it is a patch `git apply` takes.
    if (patch && (o.dryRun || !o.quiet)) say('\n' + colourPatch(patch, io.style));
    const note = o.dryRun ? (t: string) => io.err(t) : say;
    if (o.dryRun) {
      note(`\nDry run: ${planned.files.length} file${planned.files.length === 1 ? '' : 's'} would be changed; nothing was written.\n`);
    } else if (r.written.length) {
      say(`\nWrote live values into ${r.written.length} file${r.written.length === 1 ? '' : 's'}:\n`);
      for (const f of r.written) {
        const what = [...f.providers.map((p) => `${p.name} (${p.fields.join(', ')})`), ...(f.sequences ?? []).map((q) => `sequence ${q} (spec.providers: the live order)`)];
        say(`  ${f.file}: ${what.join('; ')}\n`);
      }
    } else if (report.changed.length || report.sequences.changed.length) {
      say('\nNo file was changed.\n');
    }
    if (r.skipped.length) {
      note('Not written:\n');
      for (const s of r.skipped) note(`  ${s.provider} ${s.field}: ${s.why}\n`);
    }
    if (report.missing.length || report.unmanaged.length) {
      note('Providers missing live or live but not in git are not written: apply creates the first, import adopts the second.\n');
    }
    if (report.sequences.missing.length || report.sequences.unmanaged.length) {
      note('Sequences missing live or live but not in git are not written: apply creates the first, import adopts the second.\n');
    }
  }

  if (o.githubIssue) {
    const artifactDir = path.join(ws.config.dir, '.paystrator', 'artifacts');
    // Loaded only here: see github-plan.ts.
    const { publishDriftIssue } = await import('../../app/publish.js');
    const r = await publishDriftIssue(report, { env: io.env, flags: { ...o, githubPr: undefined }, artifactDir, onWarning: (m) => io.err(io.style.yellow(`warning: ${m}`) + '\n') });
    const what = {
      opened: `Opened drift issue #${r.number}`,
      updated: `Updated drift issue #${r.number}`,
      unchanged: `Drift issue #${r.number} already describes this drift`,
      closed: `No drift: closed drift issue #${r.number}`,
      none: 'No drift and no open drift issue',
    }[r.action];
    say(`\n${what}${r.url ? `: ${r.url}` : ''}.\n`);
    if (r.closedDuplicates.length) say(`Closed duplicate drift issues: ${r.closedDuplicates.map((n) => `#${n}`).join(', ')}.\n`);
    if (r.artifact) say(`The report was too long for an issue; the full report is in ${r.artifact}\n`);
  }

  if (o.githubPr) {
    const { publishDriftPullRequest } = await import('../../app/drift-pr.js');
    const { githubPr: _pr, ...flags } = o;
    const r = await publishDriftPullRequest(report, planned.files, patch, {
      env: io.env,
      flags,
      artifactDir: path.join(ws.config.dir, '.paystrator', 'artifacts'),
      baseDir: ws.config.dir,
      onWarning: (m) => io.err(io.style.yellow(`warning: ${m}`) + '\n'),
    });
    const what = {
      opened: `Opened drift pull request #${r.number} from ${r.branch}`,
      updated: `Updated drift pull request #${r.number} with a new commit on ${r.branch}`,
      unchanged: `Drift pull request #${r.number} already writes back these values`,
      closed: `Nothing to write back: closed drift pull request #${r.number} and deleted ${r.branch}`,
      none: 'Nothing to write back and no open drift pull request',
    }[r.action];
    say(`\n${what}${r.url ? `: ${r.url}` : ''}.\n`);
    if (r.artifact) say(`The diff was too long for a pull request body; the full diff is in ${r.artifact}\n`);
  }

  await appendStepSummary(io.env, renderDriftMarkdown(report));
  return o.detailedExitcode && report.drift ? 2 : 0;
}
