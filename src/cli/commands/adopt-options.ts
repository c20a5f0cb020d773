// Flags of import, list and fees quote; the commands themselves load on use.
import { Option, type Command } from 'commander';
import { ExitError } from '../../diagnostics.js';
import { parseAmount } from '../../fees/quote.js';
import type { GlobalOptions } from '../options.js';
import type { Io } from '../io.js';
import type { ListFlags, QuoteFlags } from './adopt.js';
import type { ImportFlags } from './import.js';
import { perEnvironment, withMultiEnvOptions, type MultiEnvFlags } from '../multi-env-options.js';

/** Commander parser for whole-rupiah flags (--amount, --quote-amount). */
export function rupiahOption(flag: string) {
  return (v: string): bigint => {
    // Digits (and _ groups) only, as every numeric flag: " 5" is refused, not trimmed.
    const r = v.trim() === v ? parseAmount(v) : { ok: false as const, reason: `"${v}" is not a whole rupiah amount: write digits only, e.g. 1500000 (or 1_500_000)` };
    if (!r.ok) throw new ExitError(`${flag}: ${r.reason}`);
    return r.value;
  };
}

const format = () => new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');

export function registerAdoptCommands(cmd: Command, io: Io, globals: () => GlobalOptions, setCode: (code: number) => void): void {
  cmd
    .command('import')
    .description('write one provider file per live provider (secrets as secretRef placeholders); nothing changes live')
    .option('--out-dir <dir>', 'folder for new files (default: the folder of the environment\'s providers glob)')
    .option('--overwrite', 'replace the files of providers git already declares (keeping their secretRefs)')
    .option('--secret-store <name>', 'secret store the placeholders name (default: env when declared)')
    .option('--dry-run', 'print the unified diff of every file import would write, and write nothing')
    .option('--quiet', 'do not print the diff of the files written')
    .option('--detailed-exitcode', 'with --dry-run: exit 2 when there are files to write')
    .option('--all-sequences', 'also write the default sequences Paystrator keeps by itself (ACTIVE providers, oldest first)')
    .option('--kind <kind>', 'also write this account setting from live: Webhooks, IpWhitelist (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--all-kinds', 'write every kind: providers and every account setting')
    .action(async (o: ImportFlags) => setCode(await (await import('./import.js')).importCommand(io, globals(), o)));

  cmd
    .command('list')
    .description('the provider table, as in the dashboard: name, type, services, status, last activity, and whether git manages it')
    .option('--search <text>', 'names containing this text (case-insensitive)')
    .option('--service <service>', 'providers offering this service')
    .option('--status <status>', 'ACTIVE, INACTIVE or MAINTENANCE')
    .addOption(format());
  withMultiEnvOptions(cmd.commands.find((c) => c.name() === 'list')!).action(async (o: ListFlags & MultiEnvFlags) =>
    setCode(await perEnvironment(io, globals(), 'list', o, async (io, g) => (await import('./adopt.js')).listCommand(io, g, o))),
  );

  cmd
    .command('fees')
    .description('provider pricing')
    .command('quote')
    .description('the fee and VAT each provider would charge on an amount, cheapest first')
    .requiredOption('--amount <rupiah>', 'the payment amount, whole rupiah (e.g. 1500000)', rupiahOption('--amount'))
    .option('--service <service>', 'providers offering this service')
    .option('--provider <name>', 'one provider')
    .addOption(new Option('--from <source>', 'the fees configured live, or declared in git').choices(['live', 'git']).default('live'))
    .addOption(format())
    .action(async (o: QuoteFlags) => setCode(await (await import('./adopt.js')).feesQuoteCommand(io, globals(), o)));
}
