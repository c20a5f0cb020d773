import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitError } from '../diagnostics.js';
import { configPath, findConfig } from './discover.js';

describe('config discovery', () => {
  it('takes the nearest paystrator.yaml, skipping a folder of that name', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'discover-'));
    await mkdir(path.join(root, 'a/b/paystrator.yaml'), { recursive: true });
    await writeFile(path.join(root, 'paystrator.yaml'), 'environments: {}\n');
    expect(findConfig(path.join(root, 'a/b'))).toBe(path.join(root, 'paystrator.yaml'));
    await writeFile(path.join(root, 'a/paystrator.yaml'), 'environments: {}\n');
    expect(findConfig(path.join(root, 'a/b'))).toBe(path.join(root, 'a/paystrator.yaml'));
    expect(configPath(undefined, path.join(root, 'a/b'))).toBe(path.join('..', 'paystrator.yaml'));
    expect(configPath(undefined, path.join(root, 'a'))).toBe('paystrator.yaml');
  });

  it('uses --config as given, without looking', () => {
    expect(configPath('elsewhere/x.yaml', '/')).toBe('elsewhere/x.yaml');
  });

  it('without a config up to the root: an error that says where it looked and what to run', () => {
    expect(findConfig('/')).toBeUndefined();
    expect(() => configPath(undefined, '/')).toThrow(ExitError);
    expect(() => configPath(undefined, '/')).toThrow('no paystrator.yaml in / or any parent; run paystrator-gitops init');
  });
});
