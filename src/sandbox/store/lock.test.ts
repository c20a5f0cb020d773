// One run at a time on a state file: a second store on the same file waits for the first to
// close, says so once, and gives up with a clear error; a lock left by a dead holder is taken over.
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../../../test/helpers/cli.js';
import { ExitError } from '../../diagnostics.js';
import { lockTimeoutFromEnv, STALE_MS, type LockWait } from './lock.js';
import { openSandboxStore } from './persistence.js';

const create = {
  name: 'Locked',
  type: 'AGGREGATOR' as const,
  integration: 'xendit',
  services: ['VIRTUAL_ACCOUNT'] as ['VIRTUAL_ACCOUNT'],
  credentials: { clientKey: 'xnd_development_abc123', clientSecret: 'fake-secret-for-lock-test' },
  fee: { type: 'PERCENTAGE' as const, percent: '1.5' },
  tax: { vatPercent: '11', applyVat: true },
};
const SECRETS = new Set(['clientSecret']);

describe('the state file lock', () => {
  it('makes a second store wait, tells once, and fails naming the holder and the lock', async () => {
    const file = path.join(await tempDir('lock-'), 'sandbox.json');
    const holder = await openSandboxStore(file);
    onTestFinished(() => holder.close());
    const waits: LockWait[] = [];
    const e = (await openSandboxStore(file, { lock: { timeoutSeconds: 1, onWait: (w) => waits.push(w) } }).then(
      () => undefined,
      (err: unknown) => err,
    )) as ExitError;
    expect(e).toBeInstanceOf(ExitError);
    expect(e.message).toMatch(
      new RegExp(
        `^another paystrator-gitops run holds the sandbox state ${file} \\(pid ${process.pid} since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); ` +
          `wait for it to finish, or remove ${file}\\.lock if no run is active$`,
      ),
    );
    expect(waits).toEqual([{ file, holder: { pid: process.pid, since: expect.any(String) }, timeoutSeconds: 1 }]);
  });

  it('lets the waiting store in once the holder closes, with the holder\'s writes', async () => {
    const file = path.join(await tempDir('lock-'), 'sandbox.json');
    const first = await openSandboxStore(file);
    let told!: () => void;
    const waiting = new Promise<void>((resolve) => (told = resolve));
    const second = openSandboxStore(file, { lock: { timeoutSeconds: 30, onWait: () => told() } });
    await waiting;
    first.create(create, SECRETS, new Date().toISOString());
    await first.close();
    const store = await second;
    onTestFinished(() => store.close());
    expect(store.getByName('Locked')).toBeDefined();
  });

  it('takes over a lock whose holder stopped refreshing it (killed), without waiting for the timeout', async () => {
    const dir = await tempDir('lock-');
    const file = path.join(dir, 'sandbox.json');
    // What a SIGKILLed holder leaves: the lock directory, last refreshed long ago, and its owner note.
    await mkdir(`${file}.lock`);
    const old = new Date(Date.now() - 3 * STALE_MS);
    await utimes(`${file}.lock`, old, old);
    await writeFile(`${file}.lock.owner.json`, JSON.stringify({ pid: 999999, since: old.toISOString() }));
    const waits: LockWait[] = [];
    const store = await openSandboxStore(file, { lock: { timeoutSeconds: 0, onWait: (w) => waits.push(w) } });
    expect(waits).toEqual([]);
    await store.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it('reads its timeout from PAYSTRATOR_LOCK_TIMEOUT_SECONDS, digits only', () => {
    expect(lockTimeoutFromEnv({})).toBeUndefined();
    expect(lockTimeoutFromEnv({ PAYSTRATOR_LOCK_TIMEOUT_SECONDS: '2' })).toBe(2);
    for (const bad of ['0x10', ' 5', '1.5', '-1']) {
      expect(() => lockTimeoutFromEnv({ PAYSTRATOR_LOCK_TIMEOUT_SECONDS: bad })).toThrow(`PAYSTRATOR_LOCK_TIMEOUT_SECONDS must be a whole number of seconds, not "${bad}"`);
    }
  });
});
