// Several environments in one run (SPEC 5): which ones, how many at once, and in what order their
// results are handed back. What each environment does is the single-environment command's own.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExitError, error } from '../diagnostics.js';
import { cacheLoadedConfig, loadConfig, resolveEnvironment, type LoadedConfig } from '../load/config.js';
import { cacheParsedFiles } from '../load/providers.js';
import { appendStepSummary } from './summary.js';
import { DEFAULT_SANDBOX_DATA, unwrap } from './workspace.js';

export const DEFAULT_ENV_PARALLELISM = 4;

export interface SelectedEnvironments {
  config: LoadedConfig;
  names: string[];
  /**
   * Per environment, what it must not share with a run going on at the same time: an embedded
   * sandbox's state file is locked for a whole run, so two environments on one file take turns.
   */
  lanes: (string | undefined)[];
}

/** The environments named (in the order given, each once) or, with `all`, every one in paystrator.yaml's order. */
export async function selectEnvironments(configPath: string, given: readonly string[], all: boolean): Promise<SelectedEnvironments> {
  // Every environment opens the same workspace, and environments whose globs overlap share files:
  // each is parsed once.
  cacheLoadedConfig();
  cacheParsedFiles();
  const loaded = await loadConfig(configPath);
  const config = unwrap(loaded);
  if (all && given.length) throw new ExitError('--all-environments runs every environment of paystrator.yaml: leave out --env, or name the environments with --env alone');
  const names = all ? Object.keys(config.config.environments) : [...new Set(given)];
  const errors = names.flatMap((n) => resolveEnvironment(config, n).errors);
  if (errors.length) throw new ExitError(errors);
  if (!names.length) throw new ExitError([error('paystrator.yaml declares no environment', { file: config.file, field: 'environments' })]);
  const lanes = names.map((n) => {
    const env = config.config.environments[n]!;
    return env.endpoint === 'embedded' ? `embedded:${path.resolve(config.dir, env.data ?? DEFAULT_SANDBOX_DATA)}` : undefined;
  });
  return { config, names, lanes };
}

/**
 * Runs every task, at most `parallelism` at once and those of one lane one after another, and
 * hands each result to `onReady` in the tasks' order as soon as it and every task before it are
 * done, so output can stream without interleaving.
 */
export async function runOrdered<T>(
  tasks: readonly { lane: string | undefined; run: () => Promise<T> }[],
  parallelism: number,
  onReady: (index: number, result: T) => Promise<void> | void,
): Promise<T[]> {
  // A freed slot passes straight to the next waiter, so no task that starts meanwhile can take it too.
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async <R>(fn: () => Promise<R>): Promise<R> => {
    if (running < parallelism) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
  const laneTail = new Map<string, Promise<unknown>>();
  const results = tasks.map((t) => {
    const before = t.lane === undefined ? undefined : laneTail.get(t.lane);
    const p = before ? before.then(() => slot(t.run)) : slot(t.run);
    if (t.lane === undefined) return p;
    laneTail.set(t.lane, p.catch(() => undefined));
    return p;
  });
  // A rejection is a bug of the caller's task (it turns failures into results): seen in order.
  for (const p of results) p.catch(() => undefined);
  const out: T[] = [];
  for (const [i, p] of results.entries()) {
    out.push(await p);
    await onReady(i, out[i]!);
  }
  return out;
}

/**
 * GitHub Actions' step summary: each environment writes its own file, and they are appended to the
 * real one in the environments' order, so parallel runs neither interleave nor misjudge the room left.
 */
export async function stepSummaries(env: NodeJS.ProcessEnv): Promise<{ fileFor(index: number): string | undefined; flush(index: number): Promise<void>; close(): Promise<void> }> {
  if (!env.GITHUB_STEP_SUMMARY) return { fileFor: () => undefined, flush: () => Promise.resolve(), close: () => Promise.resolve() };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paystrator-gitops-summary-'));
  const fileFor = (i: number) => path.join(dir, `${i}.md`);
  return {
    fileFor,
    flush: async (i) => {
      const text = await readFile(fileFor(i), 'utf8').catch(() => '');
      if (text) await appendStepSummary(env, text.replace(/\n+$/, ''));
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `plan --out-dir DIR`: one plan file per environment, DIR/<env>.plan.json (names are [a-z0-9-]). */
export async function planFileIn(dir: string, envName: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new ExitError([error(`cannot create the plan folder: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: dir })]);
  }
  return path.join(dir, `${envName}.plan.json`);
}
