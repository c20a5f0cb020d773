import { Command, CommanderError, Option } from 'commander';
import { ApiError, ApiUnavailableError } from '../api/errors.js';
import { ExitError, InternalError } from '../diagnostics.js';
import { escapeText } from '../text/escape.js';
import { TOOL_VERSION } from '../version.js';
import { guardedIo, printDiagnostics, processIo, type Io } from './io.js';
import { DEFAULT_PARALLELISM } from '../apply/defaults.js';
import { registerAdoptCommands, rupiahOption } from './commands/adopt-options.js';
import { withFaultOptions, type SandboxFlags } from './commands/sandbox-options.js';
import { withGitHubOptions } from './github-options.js';
import { configPath } from '../load/discover.js';
import { registerOnboardCommands } from './commands/onboard-options.js';
import { parsePort, parsePositiveInt } from './numbers.js';

import type { GlobalOptions } from './options.js';
import type { PlanFlags } from './commands/plan.js';
import type { DriftFlags } from './commands/drift.js';
import type { ApplyFlags } from './commands/apply.js';

export type { GlobalOptions } from './options.js';

const collect = (v: string, acc: string[]) => [...acc, v];

const formatOption = (...extra: string[]) => new Option('--format <format>', 'output format').choices(['text', 'json', ...extra]).default('text');

// Each command's module is imported when it runs, so `plan` does not load the sandbox server, the
// GitHub client or the secret-store SDKs it does not use.
function program(io: Io, setCode: (code: number) => void): Command {
  const cmd = new Command('paystrator-gitops')
    .description('Paystrator payment providers as code: validate, plan and apply YAML from git.')
    .version(TOOL_VERSION)
    .option('--env <name>', 'environment from paystrator.yaml (default: sandbox)')
    .option('--config <file>', 'workspace config (default: paystrator.yaml here or in the nearest parent folder)')
    .option('--no-color', 'no ANSI colours (also NO_COLOR)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  const globals = () => withDiscoveredConfig(cmd.opts<Omit<GlobalOptions, 'config'> & { config?: string }>());

  cmd
    .command('validate')
    .description('offline: YAML syntax, schemas and cross-file rules; every error as file:line:col')
    .addOption(formatOption('github'))
    .action(async (o: { format: 'text' | 'json' | 'github' }) => setCode(await (await import('./commands/validate.js')).validateCommand(io, globals(), o)));

  cmd
    .command('plan')
    .description('read live state and show what apply would change')
    .option('--out <file>', 'save the plan (JSON, no secret values) for `apply <file>`')
    .option('--target <name>', 'limit the plan to this provider (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--prune', 'deactivate managed providers that were removed from git')
    .option('--adopt <name>', 'take over this live provider that git does not manage yet (repeatable; recorded in a saved plan)', collect, [] as string[])
    .option('--detailed-exitcode', 'exit 2 when there are changes')
    .option('--allow-large-change', 'allow a plan that changes more than policy.maxChangePercent of live providers')
    .option('--allow-service-outage', 'allow a plan that leaves a service with no ACTIVE provider')
    .option('--allow-lockout', 'allow a plan that may lock this run out of the API (IP whitelist without its address, or its own API key revoked or reduced)')
    .addOption(formatOption('markdown'))
    .option('--github-comment', 'upsert the plan as one sticky comment on the pull request')
    .option('--quote-amount <rupiah>', 'show fee and VAT changes on this payment amount (default 1000000)', rupiahOption('--quote-amount'))
    .action(async (o: PlanFlags) => setCode(await (await import('./commands/plan.js')).planCommand(io, globals(), o)));
  withGitHubOptions(cmd.commands.find((c) => c.name() === 'plan')!);

  withGitHubOptions(
    cmd
      .command('drift')
      .description('live vs git: fields changed live, providers missing live or not in git, secrets changed outside git, coverage')
      .addOption(formatOption('markdown'))
      .option('--detailed-exitcode', 'exit 2 when there is drift')
      .option('--write', 'accept the live values into the provider files (only the drifted fields; comments and order kept)')
      .option('--dry-run', 'with --write: print the unified diff of the files it would change, and write nothing')
      .option('--quiet', 'with --write: do not print the diff of the files written')
      .option('--github-issue', 'open, update or close one GitHub issue per environment, labelled drift')
      .option('--github-pr', 'open, update or close one pull request per environment, labelled drift, that writes the drifted values back (as --write does)')
      .option('--ignore-unmanaged', 'list providers that are live but not in git without counting them as drift')
      .option('--no-resolve-secrets', 'do not read secret stores: compare secrets by credential version only'),
    { prNumber: false },
  ).action(async (o: DriftFlags) => setCode(await (await import('./commands/drift.js')).driftCommand(io, globals(), o)));

  cmd
    .command('apply')
    .argument('[plan]', 'a plan saved with `plan --out`')
    .description('apply a saved plan exactly, or plan and ask for confirmation')
    .option('--auto-approve', 'apply without asking')
    .option('--parallelism <n>', `providers changed at once (default ${DEFAULT_PARALLELISM})`, (v) => parsePositiveInt(v, '--parallelism'))
    .option('--allow-large-change', 'allow a plan that changes more than policy.maxChangePercent of live providers')
    .option('--allow-service-outage', 'allow a plan that leaves a service with no ACTIVE provider')
    .option('--allow-lockout', 'allow a plan that may lock this run out of the API (IP whitelist without its address, or its own API key revoked or reduced)')
    .option('--target <name>', 'limit to this provider (repeatable; not with a saved plan)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--prune', 'deactivate managed providers that were removed from git')
    .option('--adopt <name>', 'take over this live provider that git does not manage yet (repeatable; not with a saved plan)', collect, [] as string[])
    .option('--override-window <reason>', 'apply inside a closed change window (policy.windows); the reason is recorded on every write')
    .action(async (planFile: string | undefined, o: ApplyFlags) => setCode(await (await import('./commands/apply.js')).applyCommand(io, globals(), planFile, o)));

  registerAdoptCommands(cmd, io, globals, setCode);
  registerOnboardCommands(cmd, io, globals, setCode);

  cmd
    .command('show')
    .argument('<plan>', 'a plan saved with `plan --out`')
    .description('render a saved plan offline (no API, no secret store)')
    .addOption(formatOption('markdown'))
    .action(async (planFile: string, o: { format: 'text' | 'json' | 'markdown' }) => setCode(await (await import('./commands/show.js')).showCommand(io, planFile, o)));

  cmd
    .command('version')
    .description('tool version, Node version and plan format version')
    .addOption(formatOption())
    .action(async (o: { format: 'text' | 'json' }) => setCode(await (await import('./commands/show.js')).versionCommand(io, o)));

  withFaultOptions(
    cmd
      .command('sandbox')
      .description('serve the sandbox API over HTTP on 127.0.0.1')
      .option('--port <n>', 'port (0 = any free port)', (v) => parsePort(v), 4010)
      .option('--data <file>', 'state file', '.paystrator/sandbox.json'),
  ).action(async (o: SandboxFlags) => setCode(await (await import('./commands/sandbox.js')).sandboxCommand(io, o)));

  return cmd;
}

// The config is looked for on first read of `config`, so commands that never read it (init,
// sandbox, version) run outside a config repository.
function withDiscoveredConfig(o: Omit<GlobalOptions, 'config'> & { config?: string }): GlobalOptions {
  let found: string | undefined;
  return Object.defineProperty({ ...o }, 'config', { enumerable: true, get: () => (found ??= configPath(o.config, process.cwd())) }) as GlobalOptions;
}

/** Runs the CLI and returns the exit code. The one place that turns errors into exit codes. */
export async function main(argv: string[], given: Io = processIo(argv.includes('--no-color'))): Promise<number> {
  const io = guardedIo(given);
  // The yaml parser reads process.env for every token; Node's env object is a slow native proxy,
  // and a plain copy makes parsing thousands of files ~35% faster.
  process.env = { ...process.env };
  let code = 0;
  try {
    await program(io, (c) => (code = c)).parseAsync(argv);
    return code;
  } catch (e) {
    return handle(io, e);
  }
}

function handle(io: Io, e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and version are successes; anything else commander rejects is bad input.
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 1;
  }
  if (e instanceof ExitError) {
    printDiagnostics(io, e.diagnostics);
    if (e.hint) io.err(e.hint + '\n');
    return 1;
  }
  if (e instanceof ApiError || e instanceof ApiUnavailableError) {
    io.err(io.style.red('error: ') + e.message + '\n');
    return 1;
  }
  const internal = e instanceof InternalError ? e : new InternalError(e instanceof Error ? e.message : String(e), { cause: e });
  // A bug's message may quote whatever it choked on: one escaped line.
  io.err(io.style.red('internal error: ') + escapeText(internal.message) + '\nThis is a bug in paystrator-gitops; please report it with the command you ran.\n');
  if (io.env.PAYSTRATOR_DEBUG && e instanceof Error && e.stack) io.err(e.stack + '\n');
  return 1;
}
