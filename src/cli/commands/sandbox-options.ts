// The sandbox command's flags, kept apart from the command so that defining them loads no server code.
import { Option, type Command } from 'commander';
import { ExitError } from '../../diagnostics.js';
import { decimalFlag, integerFlag } from '../numbers.js';
import type { FaultOptions } from '../../sandbox/faults.js';
import { publicIPv4Problem } from '../../model/ipv4.js';

export type SandboxFlags = { port: number; data: string; requestAddress?: string } & Omit<FaultOptions, 'retryAfterSeconds'> & { retryAfter?: number };

const env = (flag: string) => `PAYSTRATOR_SANDBOX_${flag.replace(/^--/, '').replaceAll('-', '_').toUpperCase()}`;

function number(flag: string, min: number, max: number, integer: boolean) {
  return integer ? integerFlag(flag, min, max) : decimalFlag(flag, min, max);
}

function latency(v: string): number | [number, number] {
  const parse = number('--latency-ms', 0, 60_000, true);
  const m = /^(\d+)-(\d+)$/.exec(v);
  if (!m) return parse(v);
  const [lo, hi] = [parse(m[1]!), parse(m[2]!)];
  if (lo > hi) throw new ExitError(`--latency-ms range must be MIN-MAX with MIN <= MAX, not "${v}"`);
  return [lo, hi];
}

/** The fault-injection flags of `sandbox`; each can also be set by its PAYSTRATOR_SANDBOX_* variable. */
export function withFaultOptions(cmd: Command): Command {
  const opt = (flags: string, description: string, parse: (v: string) => unknown) =>
    new Option(flags, description).env(env(flags.split(' ')[0]!)).argParser(parse);
  const rate = (flag: string) => number(flag, 0, 1, false);
  return withAccountOptions(cmd)
    .addOption(opt('--latency-ms <ms>', 'add latency to every API request: N or MIN-MAX milliseconds', latency))
    .addOption(opt('--error-rate <rate>', 'share of API requests answered 500/502/503/504 (0 to 1)', rate('--error-rate')))
    .addOption(opt('--drop-rate <rate>', 'share of API requests whose connection is dropped unanswered, half of the writes after committing (0 to 1)', rate('--drop-rate')))
    .addOption(opt('--rate-429 <rate>', 'share of API requests answered 429 with Retry-After (0 to 1)', rate('--rate-429')))
    .addOption(opt('--retry-after <seconds>', 'Retry-After of injected 429s and 503s (default 1)', number('--retry-after', 0, 3600, true)))
    .addOption(opt('--rps-limit <n>', 'API requests accepted per second; more get 429', number('--rps-limit', 1, 1_000_000, true)))
    .addOption(opt('--maintenance-flip-rate <rate>', 'per monitoring tick, the chance that each provider flips to or from MAINTENANCE (by MONITOR)', rate('--maintenance-flip-rate')))
    .addOption(opt('--maintenance-flip-interval-ms <ms>', 'monitoring tick (default 1000)', number('--maintenance-flip-interval-ms', 10, 3_600_000, true)))
    .addOption(opt('--seed <n>', 'seed of the fault generator (default: random, printed)', number('--seed', 0, 2 ** 31 - 1, true)));
}

/** The flags of what the sandbox pretends about the account's callers. */
function withAccountOptions(cmd: Command): Command {
  const address = (v: string): string => {
    const problem = publicIPv4Problem(v);
    if (problem) throw new ExitError(`--request-address ${problem}`);
    return v;
  };
  return cmd.addOption(
    new Option('--request-address <ipv4>', 'the public address the sandbox pretends API calls come from, checked against the IP whitelist (default 203.0.113.1)')
      .env(env('--request-address'))
      .argParser(address),
  );
}
