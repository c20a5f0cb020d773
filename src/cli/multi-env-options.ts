// The flags of validate, plan, drift and list that run them over several environments. Light on
// purpose: main.ts imports it, and a single-environment run never loads ./multi-env.js.
import type { Command } from 'commander';
import type { GlobalOptions } from './options.js';
import type { Io } from './io.js';
import type { EnvironmentRun, MultiEnvCommand, MultiEnvFlags } from './multi-env.js';
import { parsePositiveInt } from './numbers.js';

export type { EnvironmentRun, MultiEnvCommand, MultiEnvFlags, PerEnvironmentFlags } from './multi-env.js';

export function withMultiEnvOptions(cmd: Command): Command {
  return cmd
    .option('--all-environments', 'every environment of paystrator.yaml, in its order (or name several with --env, repeated)')
    .option('--env-parallelism <n>', 'with several environments: how many are read at once (default 4)', (v) => parsePositiveInt(v, '--env-parallelism'));
}

/** One environment as before; several (repeated --env, --all-environments) through ./multi-env.js. */
export async function perEnvironment(io: Io, g: GlobalOptions, command: MultiEnvCommand, o: MultiEnvFlags & { format: string; detailedExitcode?: boolean }, run: EnvironmentRun): Promise<number> {
  if (!o.allEnvironments && g.envs.length <= 1 && o.outDir === undefined) return run(io, g, {});
  return (await import('./multi-env.js')).runEnvironments(io, g, command, o, run);
}
