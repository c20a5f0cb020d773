// age fixtures: identities and files the real `age` CLI wrote once (scripts/make-age-fixtures.sh),
// committed under test/fixtures/age, so the store is tested against the tool's own output while
// the tests need no age binary. plaintext.json records what each file holds; every value in it
// that starts with `canary-`, and each identity, is a suite-wide canary (test/global-setup.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

export const AGE_FIXTURES = path.join(REPO_ROOT, 'test/fixtures/age');

export interface AgeFixture {
  keyFile: string;
  /** The AGE-SECRET-KEY-1... line, for identityEnv. */
  identity: string;
  recipient: string;
}

/** key.txt: the identity every fixture file is encrypted to; other-key.txt: one they are not. */
export function ageKey(name: 'key.txt' | 'other-key.txt' = 'key.txt'): AgeFixture {
  const keyFile = path.join(AGE_FIXTURES, name);
  const text = readFileSync(keyFile, 'utf8');
  const recipient = /# public key: (age1\S+)/.exec(text)?.[1];
  const identity = text.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!recipient || !identity) throw new Error(`${keyFile} is not an age-keygen key file; rerun scripts/make-age-fixtures.sh`);
  return { keyFile, identity, recipient };
}

export interface AgePlaintext {
  /** YAML, binary age format. */
  'store.age': { XENDIT: string; DB: { user: string; password: string }; xendit: { clientSecret: string; webhook: string } };
  /** JSON, ASCII-armored. */
  'armored.age': { A: string };
}

export const ageFile = (name: keyof AgePlaintext): string => path.join(AGE_FIXTURES, name);

export function agePlaintext(): AgePlaintext {
  return JSON.parse(readFileSync(path.join(AGE_FIXTURES, 'plaintext.json'), 'utf8')) as AgePlaintext;
}

/** Every secret the fixtures hold, and the identities: these must never reach any output. */
export function ageFixtureCanaries(): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.startsWith('canary-')) found.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(agePlaintext());
  return [...found, ageKey('key.txt').identity, ageKey('other-key.txt').identity];
}
