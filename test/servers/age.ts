// age fixtures made with Debian's `age` and `age-keygen` commands (installed by .ci/run), so the
// store is tested against files the real tool wrote. Plaintext goes in on stdin, never to disk.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';

const run = promisify(execFile);

export interface AgeFixture {
  keyFile: string;
  /** The AGE-SECRET-KEY-1... line, for identityEnv. */
  identity: string;
  recipient: string;
}

export async function ageKey(dir: string, name = 'key.txt'): Promise<AgeFixture> {
  const keyFile = path.join(dir, name);
  await run('age-keygen', ['-o', keyFile]);
  const text = await readFile(keyFile, 'utf8');
  const recipient = /# public key: (age1\S+)/.exec(text)?.[1];
  const identity = text.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!recipient || !identity) throw new Error('age-keygen wrote an unexpected key file');
  return { keyFile, identity, recipient };
}

/** Encrypts `values` as YAML (or JSON) to `recipient` with the age CLI, into `file`. */
export async function ageEncrypt(file: string, recipient: string, values: Record<string, unknown>, opts: { armor?: boolean; json?: boolean } = {}): Promise<void> {
  const text = opts.json ? JSON.stringify(values) : YAML.stringify(values);
  await new Promise<void>((resolve, reject) => {
    const child = execFile('age', ['-r', recipient, ...(opts.armor ? ['-a'] : []), '-o', file], (err) => (err ? reject(err) : resolve()));
    child.stdin!.end(text);
  });
}
