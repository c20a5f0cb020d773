// Flags of init and environments; the commands themselves load on use.
import { Option, type Command } from 'commander';
import type { GlobalOptions } from '../options.js';
import type { Io } from '../io.js';
import type { EnvironmentsFlags } from './environments.js';
import type { InitFlags } from './init.js';

export function registerOnboardCommands(cmd: Command, io: Io, globals: () => GlobalOptions, setCode: (code: number) => void): void {
  cmd
    .command('init')
    .argument('[dir]', 'folder of the new config repository', '.')
    .description('scaffold a config repository: package.json, paystrator.yaml, providers/, workflows that call the action; never overwrites a file')
    .option('--dry-run', 'print the unified diff of every file init would create, and write nothing')
    .option('--quiet', 'do not print the diff of the files written')
    .option('--detailed-exitcode', 'with --dry-run: exit 2 when there are files to create')
    .action(async (dir: string, o: InitFlags) => setCode(await (await import('./init.js')).initCommand(io, dir, o)));

  cmd
    .command('environments')
    .description('list the environments, or those a change since a git ref touches (--format json: a GitHub Actions matrix)')
    .option('--changed-since <ref>', 'only environments whose provider files (or paystrator.yaml) changed since the merge base with this ref, uncommitted changes included')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--out <file>', 'also write the JSON matrix to this file (for a workflow step to read)')
    .action(async (o: EnvironmentsFlags) => setCode(await (await import('./environments.js')).environmentsCommand(io, globals(), o)));
}
