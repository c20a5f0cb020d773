// One run at a time on a sandbox state file. Every run (a CLI process on `endpoint: embedded`,
// `sandbox --data`) loads the whole file and rewrites it whole, so two at once would lose each
// other's writes; the lock makes the second wait, then fail clearly.
//
// proper-lockfile holds FILE.lock (a directory: mkdir is atomic) and refreshes its mtime while held;
// a holder that was SIGKILLed stops refreshing, so after STALE_MS the next run takes the lock over
// instead of waiting forever. Who holds it is written beside, for the message only.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ExitError } from '../../diagnostics.js';

/** A held lock is refreshed every UPDATE_MS; one not refreshed for STALE_MS is taken over. */
export const STALE_MS = 10_000;
const UPDATE_MS = 2_000;
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 30;
const POLL_MS = 250;

export interface LockHolder {
  pid?: number;
  since?: string;
}

/** Told once, when the lock is taken and the run starts waiting. */
export interface LockWait {
  file: string;
  holder: LockHolder | undefined;
  timeoutSeconds: number;
}

export interface LockOptions {
  /** How long to wait for another run (default 30 s). */
  timeoutSeconds?: number;
  onWait?: (wait: LockWait) => void;
}

export interface StateLock {
  readonly lockPath: string;
  /** Set once another process took the lock over (this one stalled past STALE_MS): writing now could lose its writes. */
  readonly compromised: Error | undefined;
  release(): Promise<void>;
}

export const lockPathOf = (file: string): string => `${file}.lock`;
const ownerPathOf = (file: string): string => `${file}.lock.owner.json`;

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const raw = JSON.parse(await readFile(ownerPathOf(file), 'utf8')) as LockHolder;
    return {
      ...(Number.isSafeInteger(raw.pid) ? { pid: raw.pid } : {}),
      ...(typeof raw.since === 'string' ? { since: raw.since } : {}),
    };
  } catch {
    return undefined;
  }
}

export function describeHolder(h: LockHolder | undefined): string {
  if (!h || (h.pid === undefined && h.since === undefined)) return '';
  const parts = [h.pid !== undefined ? `pid ${h.pid}` : '', h.since ? `since ${h.since}` : ''].filter(Boolean).join(' ');
  return ` (${parts})`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function cannotLock(file: string, e: NodeJS.ErrnoException): ExitError {
  const lockPath = lockPathOf(file);
  const why =
    e.code === 'EACCES' || e.code === 'EPERM'
      ? `permission denied creating ${lockPath}: make ${path.dirname(file)} writable by this user`
      : e.code === 'ENOTDIR' || e.code === 'EEXIST'
        ? `${path.dirname(file)} is not a directory: point the state file at a path inside a directory`
        : `${e.code ?? 'error'} creating ${lockPath}`;
  return new ExitError(`cannot lock the sandbox state file ${file}: ${why}`);
}

/** Takes the lock on `file` (an absolute path), waiting up to the timeout for another run to finish. */
export async function lockStateFile(file: string, opts: LockOptions = {}): Promise<StateLock> {
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
  const lockPath = lockPathOf(file);
  try {
    await mkdir(path.dirname(file), { recursive: true });
  } catch (e) {
    throw cannotLock(file, e as NodeJS.ErrnoException);
  }
  let compromised: Error | undefined;
  const options: lockfile.LockOptions = {
    // The state file need not exist yet: lock its path as given.
    realpath: false,
    lockfilePath: lockPath,
    stale: STALE_MS,
    update: UPDATE_MS,
    // The default throws from a timer, which would crash the run; writes check this instead.
    onCompromised: (err) => {
      compromised = err;
    },
  };
  const deadline = Date.now() + timeoutSeconds * 1000;
  let told = false;
  let release: () => Promise<void>;
  // Bounded by the deadline: one attempt per POLL_MS.
  for (;;) {
    try {
      release = await lockfile.lock(file, options);
      break;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ELOCKED') throw cannotLock(file, err);
      const holder = await readHolder(file);
      if (Date.now() >= deadline) {
        throw new ExitError(
          `another paystrator-gitops run holds the sandbox state ${file}${describeHolder(holder)}; ` +
            `wait for it to finish, or remove ${lockPath} if no run is active`,
        );
      }
      if (!told) {
        told = true;
        opts.onWait?.({ file, holder, timeoutSeconds });
      }
      await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
  }
  // Beside the lock, not in it: a file inside would change the directory's mtime, which
  // proper-lockfile reads as its lock having been taken over.
  const owner: LockHolder = { pid: process.pid, since: new Date().toISOString() };
  await writeFile(ownerPathOf(file), JSON.stringify(owner) + '\n').catch(() => undefined);
  let released = false;
  return {
    lockPath,
    get compromised() {
      return compromised;
    },
    async release() {
      if (released) return;
      released = true;
      if (compromised) return;
      await rm(ownerPathOf(file), { force: true }).catch(() => undefined);
      await release().catch((e: NodeJS.ErrnoException) => {
        // Already gone (someone removed it by hand, or took it over): nothing left to release.
        if (e.code !== 'ERELEASED' && e.code !== 'ENOTACQUIRED' && e.code !== 'ENOENT') throw e;
      });
    },
  };
}

/** PAYSTRATOR_LOCK_TIMEOUT_SECONDS: how long a run waits for another run on the same state file; digits only. */
export function lockTimeoutFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.PAYSTRATOR_LOCK_TIMEOUT_SECONDS;
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]{1,6}$/.test(v)) throw new ExitError(`PAYSTRATOR_LOCK_TIMEOUT_SECONDS must be a whole number of seconds, not "${v}"`);
  return Number(v);
}
