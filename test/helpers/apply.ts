// Helpers for the apply scenarios: the CLI as a child that can be killed mid-run, reading the
// sandbox's providers over HTTP, and workspaces of many providers.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Provider } from '../../src/generated/api.js';
import { capture, type CliResult } from './cli.js';
import { configYaml, providerYaml, type ProviderFixture } from './fixtures.js';
import { CLI } from './paths.js';

export const RW = 'psk_sandbox_rw_0000000000000000';
export const RO = 'psk_sandbox_ro_0000000000000000';

export interface RunningCli {
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches `re` (or the child exits: then false). */
  waitFor(re: RegExp): Promise<boolean>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

export function spawnCli(args: string[], opts: { cwd: string; env: Record<string, string> }): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: (v: boolean) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (!w.re.test(stdout)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(true);
    }
  };
  child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), check()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve(false);
      capture(`paystrator-gitops ${args.join(' ')}${signal ? ` (killed: ${signal})` : ''}`, `${stdout}\n--- stderr\n${stderr}`)
        .then(() => resolve({ code, signal, stdout, stderr }))
        .catch(reject);
    });
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (re) => (re.test(stdout) ? Promise.resolve(true) : child.exitCode !== null ? Promise.resolve(false) : new Promise((resolve) => waiters.push({ re, resolve }))),
    kill: (signal) => void child.kill(signal),
    done,
  };
}

/** Every provider, read with the read-only key. */
export async function listProviders(url: string): Promise<Provider[]> {
  const out: Provider[] = [];
  let cursor = '';
  for (let page = 0; page < 100; page++) {
    const res = await fetch(`${url}/v1/providers?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${RO}` } });
    if (res.status !== 200) throw new Error(`list providers: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { data: Provider[]; nextCursor: string | null };
    out.push(...body.data);
    if (!body.nextCursor) return out;
    cursor = body.nextCursor;
  }
  throw new Error('pagination did not end');
}

/** The providers in a stopped sandbox's state file: what was committed, read without the API. */
export async function committedProviders(dataFile: string): Promise<Array<Provider & { credentials: Record<string, unknown> }>> {
  return (JSON.parse(await readFile(dataFile, 'utf8')) as { providers: Array<Provider & { credentials: Record<string, unknown> }> }).providers;
}

export const fileOf = (name: string) => `providers/${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.yaml`;

/** paystrator.yaml for the sandbox over HTTP (environment `http`) with a policy block. */
export function httpConfig(url: string, policy = 'policy:\n  maxChangePercent: 50\n  ignore:\n    - { field: status, when: { changedBy: MONITOR, value: MAINTENANCE } }\n'): string {
  return configYaml({ httpUrl: url }) + policy;
}

export function providerFiles(providers: ProviderFixture[]): Record<string, string> {
  return Object.fromEntries(providers.map((p) => [fileOf(p.name), providerYaml(p)]));
}
