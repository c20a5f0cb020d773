// End-to-end helpers: the built CLI as a subprocess, workspaces in temp folders, and the sandbox
// served over HTTP by the CLI itself. All output is captured for the suite-wide canary check.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { DYNAMIC_CANARY_DIR, MIN_DYNAMIC_CANARY } from './canary-scan.js';
import { CLI, REPO_ROOT } from './paths.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** This run's folder under test/.tmp: everything tests write goes here and is scanned for canaries. */
export function runDir(): string {
  return inject('runDir');
}

export function canaries(): string[] {
  return inject('canaries');
}

/** A Paystrator API key that must never be printed, for servers that accept it (test/servers/hostile-api.ts). */
export function apiKeyCanary(): string {
  return inject('apiKeyCanary');
}

/** A GitHub token that must never be printed, for test/servers/github.ts. */
export function githubTokenCanary(): string {
  return inject('githubTokenCanary');
}

const dynamic = new Set<string>();

/**
 * Values a test only knows once they exist (a created API key's value read from its sink, a
 * webhook verification token read from the sandbox state): from now on this process's captures
 * fail on them at once, and the suite-wide scan looks for them in everything captured.
 */
export async function registerCanaries(values: readonly string[]): Promise<void> {
  for (const v of values) if (v.length < MIN_DYNAMIC_CANARY) throw new Error(`a dynamic canary must be at least ${MIN_DYNAMIC_CANARY} characters`);
  const dir = path.join(runDir(), DYNAMIC_CANARY_DIR);
  await mkdir(dir, { recursive: true });
  // The registry's name holds ".secret": the scan reads it for values and never scans it as output.
  await appendFile(path.join(dir, `${process.pid}.secret-canaries`), values.map((v) => `${v}\n`).join(''));
  for (const v of values) dynamic.add(v);
}

/** Everything the scan looks for: the secret values, the API key, the GitHub token, and the dynamic canaries registered here. */
export function allCanaries(): string[] {
  return [...canaries(), apiKeyCanary(), githubTokenCanary(), ...dynamic];
}

/** Fails at once if a canary is in the text; the global teardown re-checks everything captured. */
export function assertNoCanary(text: string, what: string): void {
  for (const c of allCanaries()) if (text.includes(c)) throw new Error(`SECRET LEAK: a canary secret appeared in ${what}`);
}

export async function capture(name: string, text: string): Promise<void> {
  const dir = path.join(runDir(), 'captures');
  await mkdir(dir, { recursive: true });
  await appendFile(path.join(dir, `${process.pid}.log`), `=== ${name}\n${text}\n`);
  assertNoCanary(text, name);
}

export async function tempDir(prefix = 'ws-'): Promise<string> {
  await mkdir(runDir(), { recursive: true });
  return mkdtemp(path.join(runDir(), prefix));
}

/** A workspace: the given files; `withExamples` copies the repo's providers/, paystrator.yaml, schemas. */
export async function workspace(files: Record<string, string>, opts: { withExamples?: boolean } = {}): Promise<string> {
  const dir = await tempDir();
  if (opts.withExamples) {
    for (const p of ['providers', 'secrets', 'schemas', 'paystrator.yaml']) await cp(path.join(REPO_ROOT, p), path.join(dir, p), { recursive: true });
  }
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string>; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.stdin.end(opts.input ?? '');
    child.on('close', (code) => {
      capture(`paystrator-gitops ${args.join(' ')}`, `${stdout}\n--- stderr\n${stderr}`)
        .then(() => resolve({ code, stdout, stderr }))
        .catch(reject);
    });
  });
}

export interface ServedSandbox {
  url: string;
  dataFile: string;
  /** What the server printed so far (after stop(): all of it). */
  output(): string;
  stop(): Promise<void>;
}

/** `paystrator-gitops sandbox --port 0` as a separate process. */
export async function serveSandbox(extraArgs: string[] = [], opts: { dataName?: string; env?: Record<string, string> } = {}): Promise<ServedSandbox> {
  const dir = await tempDir('sandbox-');
  // A state that holds values on purpose (an API key create's replay, the webhook token) is named *.secret*.
  const dataFile = path.join(dir, opts.dataName ?? 'sandbox.json');
  const child: ChildProcess = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--data', dataFile, ...extraArgs], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${log}`)), 15_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}:\n${log}`)));
  });
  return {
    url,
    dataFile,
    output: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => {
          capture('sandbox server', log).then(resolve, resolve);
        });
        child.kill('SIGTERM');
      }),
  };
}

export const randomName = (prefix: string) => `${prefix} ${randomBytes(3).toString('hex')}`;
