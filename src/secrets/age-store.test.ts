import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canaries, tempDir } from '../../test/helpers/cli.js';
import { resolveFailures } from '../../test/helpers/secrets.js';
import { ageFile, ageFixtureCanaries, ageKey, agePlaintext, type AgeFixture, type AgePlaintext } from '../../test/servers/age.js';
import { AgeStore } from './age-store.js';
import { resolveSecrets } from './resolver.js';
import type { SecretStore } from './store.js';

const failures = resolveFailures('age store failures');

// The files were written by the age CLI (scripts/make-age-fixtures.sh); no age binary runs here.
describe('AgeStore', () => {
  let dir: string;
  let key: AgeFixture;
  let file: string;
  let plain: AgePlaintext;

  beforeAll(async () => {
    dir = await tempDir('age-');
    key = ageKey();
    file = ageFile('store.age');
    plain = agePlaintext();
  });

  it('the committed fixtures are the age CLI\'s formats, and the canary scan knows their secrets', async () => {
    expect((await readFile(file)).subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    expect(await readFile(ageFile('armored.age'), 'utf8')).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
    const known = ageFixtureCanaries();
    expect(known).toEqual(expect.arrayContaining([plain['store.age'].XENDIT, plain['store.age'].DB.password, plain['armored.age'].A, key.identity]));
    expect(canaries()).toEqual(expect.arrayContaining(known));
  });

  const store = (identity: { file: string } | { env: string }, env: NodeJS.ProcessEnv = {}, p = file) => new Map<string, SecretStore>([['age', new AgeStore({ path: p, identity, env })]]);

  it('decrypts a file the age CLI wrote, with the identity from a key file or an environment variable', async () => {
    for (const s of [store({ file: key.keyFile }), store({ env: 'AGE_KEY' }, { AGE_KEY: key.identity })]) {
      const r = await resolveSecrets([{ store: 'age', name: 'XENDIT' }, { store: 'age', name: 'DB', key: 'password' }], s);
      expect(r.get({ store: 'age', name: 'XENDIT' }).reveal()).toBe(plain['store.age'].XENDIT);
      expect(r.get({ store: 'age', name: 'DB', key: 'password' }).reveal()).toBe(plain['store.age'].DB.password);
    }
  });

  it('reads ASCII-armored and JSON files too', async () => {
    const r = await resolveSecrets([{ store: 'age', name: 'A' }], store({ file: key.keyFile }, {}, ageFile('armored.age')));
    expect(r.get({ store: 'age', name: 'A' }).reveal()).toBe(plain['armored.age'].A);
  });

  it('names the reference when a secret or key is missing, or a version is pinned', async () => {
    expect(
      await failures(
        [
          { store: 'age', name: 'NOPE' },
          { store: 'age', name: 'DB', key: 'pass' },
          { store: 'age', name: 'XENDIT', version: 2 },
        ],
        store({ file: key.keyFile }),
      ),
    ).toEqual([
      `cannot resolve secret (store age, name NOPE): no value named NOPE in ${file}`,
      'cannot resolve secret (store age, name DB, key pass): secret has no key pass',
      'cannot resolve secret (store age, name XENDIT, version 2): the age store has no versions (the file is versioned by git); remove `version`',
    ]);
  });

  it('fails as an auth problem with the wrong identity, a missing identity, or a garbled key file', async () => {
    const other = ageKey('other-key.txt');
    const garbled = path.join(dir, 'garbled-key.txt');
    await writeFile(garbled, '# not a key\nAGE-SECRET-KEY-1NOTAKEY\n');
    const cases: Array<[Map<string, SecretStore>, string]> = [
      [store({ file: other.keyFile }), `${file} was not encrypted to the identity in identity file ${other.keyFile}`],
      [store({ env: 'AGE_KEY' }), 'environment variable AGE_KEY (the age identity) is not set'],
      [store({ file: path.join(dir, 'missing.txt') }), `cannot read age identity file ${path.join(dir, 'missing.txt')}: ENOENT`],
      [store({ file: garbled }), `identity file ${garbled} holds a line that is not an age identity`],
    ];
    for (const [s, reason] of cases) {
      expect(await failures([{ store: 'age', name: 'XENDIT' }], s)).toEqual([`cannot resolve secret (store age, name XENDIT): ${reason}`]);
    }
  });

  it('reports a missing or tampered file without quoting it', async () => {
    const missing = path.join(dir, 'nope.age');
    expect(await failures([{ store: 'age', name: 'XENDIT' }], store({ file: key.keyFile }, {}, missing))).toEqual([
      `cannot resolve secret (store age, name XENDIT): cannot read age file ${missing}: ENOENT`,
    ]);
    const bytes = await readFile(file);
    bytes[bytes.length - 5]! ^= 1;
    const tampered = path.join(dir, 'tampered.age');
    await writeFile(tampered, bytes);
    expect(await failures([{ store: 'age', name: 'XENDIT' }], store({ file: key.keyFile }, {}, tampered))).toEqual([
      `cannot resolve secret (store age, name XENDIT): cannot decrypt ${tampered}: it is not a valid age file or was altered`,
    ]);
  });

  it('decrypts the file once: later reads need neither the file nor the key', async () => {
    const copy = path.join(dir, 'once.age');
    const keyCopy = path.join(dir, 'once-key.txt');
    await copyFile(file, copy);
    await copyFile(key.keyFile, keyCopy);
    const s = new Map<string, SecretStore>([['age', new AgeStore({ path: copy, identity: { file: keyCopy } })]]);
    await resolveSecrets([{ store: 'age', name: 'XENDIT' }], s);
    await Promise.all([rm(copy), rm(keyCopy)]);
    const r = await resolveSecrets([{ store: 'age', name: 'DB', key: 'user' }], s);
    expect(r.get({ store: 'age', name: 'DB', key: 'user' }).reveal()).toBe('app');
  });
});
