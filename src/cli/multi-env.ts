// validate, plan, drift and list over several environments in one process (SPEC 5): each
// environment runs the single-environment command with its own buffered Io, so its key, rate limit,
// report, GitHub issue or comment and exit code stay its own and outputs never interleave. Sections
// come out in the order the environments were given, then one summary line per environment.
import { ExitError } from '../diagnostics.js';
import { DEFAULT_ENV_PARALLELISM, planFileIn, runOrdered, selectEnvironments, stepSummaries } from '../app/multi-env.js';
import type { EnvironmentResult, MultiEnvironmentReport } from '../generated/multi-environment-report.js';
import { plain, type Style } from '../render/style.js';
import type { GlobalOptions } from './options.js';
import type { Io } from './io.js';
import { renderError } from './render-error.js';

export type MultiEnvCommand = 'validate' | 'plan' | 'drift' | 'list';

export interface MultiEnvFlags {
  allEnvironments?: boolean;
  envParallelism?: number;
  /** plan only: DIR/<env>.plan.json per environment. */
  outDir?: string;
}

/** What the run of one environment is told on top of the user's flags. */
export interface PerEnvironmentFlags {
  /** Always asked for, so the summary can say which environments have changes or drift. */
  detailedExitcode?: true;
  out?: string;
}

export type EnvironmentRun = (io: Io, g: GlobalOptions, each: PerEnvironmentFlags) => Promise<number>;

interface Chunk {
  stream: 'out' | 'err';
  text: string;
}

interface EnvResult {
  name: string;
  /** What the command returned, with --detailed-exitcode always on. */
  code: number;
  chunks: Chunk[];
}

type Flags = MultiEnvFlags & { format: string; detailedExitcode?: boolean; out?: string; write?: boolean; githubPr?: boolean };

/** Flags that write one file for the whole run, or edit files environments may share. */
function refuseSingleOnly(command: MultiEnvCommand, o: Flags, several: boolean): void {
  if (o.out !== undefined && o.outDir !== undefined) throw new ExitError('plan: --out saves one plan file and --out-dir one per environment: give one of them');
  if (!several) return;
  if (command === 'plan' && o.out !== undefined) throw new ExitError('plan --out saves one environment\'s plan: with several environments use --out-dir DIR (one DIR/<environment>.plan.json each)');
  if (command === 'drift' && (o.write || o.githubPr)) {
    throw new ExitError(`drift ${o.write ? '--write' : '--github-pr'} writes live values back into provider files, which environments may share: run it with one --env at a time`);
  }
}

function bufferedIo(env: NodeJS.ProcessEnv, style: Style): Io & { chunks: Chunk[] } {
  const chunks: Chunk[] = [];
  return {
    chunks,
    out: (text) => void chunks.push({ stream: 'out', text }),
    err: (text) => void chunks.push({ stream: 'err', text }),
    style,
    // Nothing is asked and nothing animates in a section that is shown later.
    stdinIsTty: false,
    stdoutIsTty: false,
    env,
  };
}

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');
const textOf = (r: EnvResult, stream: Chunk['stream']) => r.chunks.filter((c) => c.stream === stream).map((c) => c.text).join('');

function errorLines(r: EnvResult): string[] {
  return textOf(r, 'err')
    .replace(ANSI, '')
    .split('\n')
    .filter((l) => /^(internal )?error: /.test(l));
}

const CHANGES: Record<MultiEnvCommand, [string, string]> = {
  validate: ['valid', 'valid'],
  plan: ['no changes', 'changes'],
  drift: ['no drift', 'drift'],
  list: ['listed', 'listed'],
};

function summaryLine(command: MultiEnvCommand, r: EnvResult): string {
  if (r.code === 2) return CHANGES[command][1];
  if (r.code === 0) return CHANGES[command][0];
  const errors = errorLines(r);
  if (!errors.length) return 'failed';
  return `failed: ${errors[0]!.replace(/^error: /, '')}${errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length === 2 ? '' : 's'})` : ''}`;
}

function header(format: string, name: string): string {
  if (format === 'markdown') return `## Environment ${name}\n\n`;
  // Collapsible in the workflow log; annotations inside a group still reach the pull request.
  if (format === 'github') return `::group::environment ${name}\n`;
  return `==> environment ${name} <==\n`;
}

/** Its stderr with each line naming the environment: stdout and stderr are often read apart. */
function prefixed(name: string, text: string): string {
  return text.replace(/^(?=.)/gm, `[${name}] `);
}

export async function runEnvironments(io: Io, g: GlobalOptions, command: MultiEnvCommand, o: Flags, run: EnvironmentRun): Promise<number> {
  // Refused before anything is read when the flags alone say so; again once the names are known.
  refuseSingleOnly(command, o, g.envs.length > 1);
  const selected = await selectEnvironments(g.config, g.envs, o.allEnvironments === true);
  const { names } = selected;
  refuseSingleOnly(command, o, names.length > 1);
  const json = o.format === 'json';
  const summaries = await stepSummaries(io.env);
  const style = json ? plain : io.style;
  const tasks = names.map((name, i) => ({
    lane: selected.lanes[i],
    run: async (): Promise<EnvResult> => {
      const file = summaries.fileFor(i);
      const envIo = bufferedIo(file ? { ...io.env, GITHUB_STEP_SUMMARY: file } : io.env, style);
      const eg: GlobalOptions = { config: g.config, color: g.color, env: name, envs: [name] };
      let code: number;
      try {
        const out = o.outDir !== undefined ? await planFileIn(o.outDir, name) : undefined;
        code = await run(envIo, eg, { ...(command === 'plan' || command === 'drift' ? { detailedExitcode: true as const } : {}), ...(out ? { out } : {}) });
      } catch (e) {
        code = renderError(envIo, e);
      }
      return { name, code, chunks: envIo.chunks };
    },
  }));
  const parallelism = o.envParallelism ?? DEFAULT_ENV_PARALLELISM;
  let results: EnvResult[];
  try {
    results = await runOrdered(tasks, parallelism, async (i, r) => {
      if (json) {
        const err = textOf(r, 'err');
        if (err) io.err(prefixed(r.name, err));
      } else {
        io.out((i ? '\n' : '') + header(o.format, r.name));
        for (const c of r.chunks) {
          if (c.stream === 'out') io.out(c.text);
          else io.err(prefixed(r.name, c.text));
        }
        if (o.format === 'github') io.out('::endgroup::\n');
      }
      await summaries.flush(i);
    });
  } finally {
    await summaries.close();
  }

  const contribution = (r: EnvResult) => (r.code === 2 ? (o.detailedExitcode ? 2 : 0) : r.code);
  if (json) {
    const environments = results.map((r): EnvironmentResult => ({
      name: r.name,
      exitCode: contribution(r) as EnvironmentResult['exitCode'],
      report: parseReport(textOf(r, 'out')),
      messages: textOf(r, 'err').split('\n').filter(Boolean),
    }));
    const doc: MultiEnvironmentReport = { command, environments };
    io.out(JSON.stringify(doc, null, 2) + '\n');
  } else {
    const width = Math.max(...results.map((r) => r.name.length));
    const lines = results.map((r) => {
      const what = summaryLine(command, r);
      const coloured = r.code === 1 ? io.style.red(what) : r.code === 2 ? io.style.yellow(what) : io.style.green(what);
      return o.format === 'markdown' ? `- ${r.name}: ${what}` : `  ${r.name.padEnd(width)}  ${coloured}`;
    });
    const failed = results.filter((r) => r.code === 1).length;
    const head = `${command} of ${results.length} environments${failed ? `, ${failed} failed` : ''}:`;
    io.out(`\n${o.format === 'markdown' ? `## Summary\n\n${head}\n\n` : `${head}\n`}${lines.join('\n')}\n`);
  }
  const codes = results.map(contribution);
  return codes.includes(1) ? 1 : codes.includes(2) ? 2 : 0;
}

/** The command's own JSON document, or null when it failed before writing one. */
function parseReport(stdout: string): EnvironmentResult['report'] {
  if (!stdout.trim()) return null;
  try {
    const v = JSON.parse(stdout) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}
