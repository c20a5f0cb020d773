import { mkdir, mkdtemp, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { matrix, selectEnvironments } from './environments.js';
import type { LoadedConfig } from '../load/config.js';

async function configIn(sub: string, environments: Record<string, { providers: string | string[] }>): Promise<{ loaded: LoadedConfig; top: string }> {
  const top = await realpath(await mkdtemp(path.join(os.tmpdir(), 'envs-')));
  const dir = path.join(top, sub);
  await mkdir(dir, { recursive: true });
  const envs = Object.fromEntries(Object.entries(environments).map(([k, v]) => [k, { endpoint: 'embedded', ...v }]));
  return { top, loaded: { file: path.join(dir, 'paystrator.yaml'), dir, config: { environments: envs, policy: { prune: false, maxChangePercent: 50, ignore: [] } } } as unknown as LoadedConfig };
}

describe('selectEnvironments', () => {
  it('matches globs relative to a config that sits in a subfolder of the repository', async () => {
    const { loaded, top } = await configIn('infra/paystrator', { a: { providers: 'a/*.yaml' }, b: { providers: ['b/**/*.yaml', '../shared/*.yaml'] } });
    expect(selectEnvironments(loaded, { top, files: ['infra/paystrator/a/x.yaml'] })).toEqual(['a']);
    expect(selectEnvironments(loaded, { top, files: ['a/x.yaml'] })).toEqual([]);
    expect(selectEnvironments(loaded, { top, files: ['infra/shared/common.yaml'] })).toEqual(['b']);
    expect(selectEnvironments(loaded, { top, files: ['infra/paystrator/paystrator.yaml'] })).toEqual(['a', 'b']);
    expect(selectEnvironments(loaded)).toEqual(['a', 'b']);
  });

  it('a matrix is one include entry per environment', () => {
    expect(matrix(['a', 'b'])).toEqual({ include: [{ environment: 'a' }, { environment: 'b' }] });
    expect(matrix([])).toEqual({ include: [] });
  });
});
