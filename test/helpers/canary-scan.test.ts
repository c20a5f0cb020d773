import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dynamicCanaries, scanForCanaries } from './canary-scan.js';
import { assertNoCanary, registerCanaries, runDir } from './cli.js';

describe('the suite-wide canary scan', () => {
  it('finds a dynamic canary (a value known only once a test made it) in captured output, and skips files that hold secrets on purpose', async () => {
    // A folder of its own, outside this run's: the leak written here must not fail the suite.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pgo-canary-scan-'));
    try {
      const fixed = `canary-${randomBytes(12).toString('hex')}`;
      const made = `psk_test_${randomBytes(16).toString('hex')}`;
      await mkdir(path.join(dir, 'canaries'), { recursive: true });
      await mkdir(path.join(dir, 'captures'), { recursive: true });
      await writeFile(path.join(dir, 'canaries', '1.secret-canaries'), `${made}\n`);
      await writeFile(path.join(dir, 'captures', 'clean.log'), 'plan: 1 to create\n');
      await writeFile(path.join(dir, 'keys.secret'), made);
      expect(await scanForCanaries(dir, [fixed])).toEqual({ scanned: 1, leaks: [] });

      await writeFile(path.join(dir, 'captures', 'leaky.log'), `=== paystrator-gitops apply\ncreated key ${made}\n`);
      expect(await scanForCanaries(dir, [fixed])).toEqual({ scanned: 2, leaks: [`${path.join('captures', 'leaky.log')} contains a canary secret`] });
      // Without the registry the value is unknown to the scan: registering is what makes it a canary.
      await rm(path.join(dir, 'canaries'), { recursive: true });
      expect((await scanForCanaries(dir, [fixed])).leaks).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a registered value fails this process\'s captures at once and is in the run\'s registry', async () => {
    const made = `whsec_${randomBytes(16).toString('hex')}`;
    await registerCanaries([made]);
    expect(() => assertNoCanary(`token: ${made}`, 'a webhook test')).toThrow('SECRET LEAK: a canary secret appeared in a webhook test');
    expect(await dynamicCanaries(runDir())).toContain(made);
    await expect(registerCanaries(['short'])).rejects.toThrow('a dynamic canary must be at least 16 characters');
  });
});
