// The run's audit context and clock, from the CI environment or the local git HEAD. Read only
// here, at the CLI, and passed down as values.
import type { AuditContext } from '../apply/audit.js';
import { clockFrom } from '../policy/windows.js';

/** PAYSTRATOR_NOW pins the clock (ISO-8601): change windows and applied-at use it. A test and operations aid. */
export function runClock(env: NodeJS.ProcessEnv): Date {
  return clockFrom(env.PAYSTRATOR_NOW);
}

// node:child_process (~5 ms to load) only when a write needs the commit: plan reads the clock here too.
async function gitHead(dir: string): Promise<string | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 5000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } }, (err, stdout) => {
      const sha = String(stdout).trim();
      resolve(!err && /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined);
    });
  });
}

export async function auditContext(env: NodeJS.ProcessEnv, configDir: string, now: Date, windowOverride?: string): Promise<AuditContext> {
  const commit = env.GITHUB_SHA || (await gitHead(configDir));
  const runUrl = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  return { ...(commit ? { commit } : {}), ...(runUrl ? { runUrl } : {}), appliedAt: now.toISOString(), ...(windowOverride ? { windowOverride } : {}) };
}
