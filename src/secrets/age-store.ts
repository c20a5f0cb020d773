import { readFile } from 'node:fs/promises';
import { parseNamedValues } from './named-values.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore } from './store.js';

export interface AgeStoreOptions {
  /** The age-encrypted JSON or YAML file of named values (binary or ASCII-armored). */
  path: string;
  identity: { file: string } | { env: string };
  env?: NodeJS.ProcessEnv;
}

/**
 * Secrets from an age-encrypted file committed to git (as SOPS and agenix users keep them). The
 * file is decrypted once, in memory, with the identity from a key file (`age-keygen -o key.txt`)
 * or from an environment variable holding the `AGE-SECRET-KEY-1...` line.
 */
export class AgeStore implements SecretStore {
  readonly type = 'age';
  #values?: Promise<Map<string, string>>;

  constructor(private readonly opts: AgeStoreOptions) {}

  async read({ name, version }: SecretRequest): Promise<Sensitive> {
    if (version !== undefined) {
      throw new SecretStoreError('invalid', 'the age store has no versions (the file is versioned by git); remove `version`');
    }
    const value = (await this.load()).get(name);
    if (value === undefined) throw new SecretStoreError('not-found', `no value named ${name} in ${this.opts.path}`);
    return new Sensitive(value);
  }

  private load(): Promise<Map<string, string>> {
    this.#values ??= (async () => {
      // Loaded on first use, like the AWS SDK: a CLI run without an age store never pays for it.
      const { armor, Decrypter } = await import('age-encryption');
      const [file, identities] = await Promise.all([this.readEncrypted(armor.decode), this.identities()]);
      const decrypter = new Decrypter();
      for (const id of identities) {
        try {
          decrypter.addIdentity(id);
        } catch {
          throw new SecretStoreError('auth', `${this.identitySource()} holds a line that is not an age identity`);
        }
      }
      let text: string;
      try {
        text = await decrypter.decrypt(file, 'text');
      } catch (e) {
        // The library says which step failed; none of its messages carry plaintext, but keep ours.
        const noMatch = e instanceof Error && /no identity matched/i.test(e.message);
        throw new SecretStoreError(
          'auth',
          noMatch
            ? `${this.opts.path} was not encrypted to the identity in ${this.identitySource()}`
            : `cannot decrypt ${this.opts.path}: it is not a valid age file or was altered`,
        );
      }
      return parseNamedValues(text, `decrypted ${this.opts.path}`);
    })();
    return this.#values;
  }

  private async readEncrypted(decodeArmor: (text: string) => Uint8Array): Promise<Uint8Array> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.opts.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new SecretStoreError(code === 'ENOENT' ? 'unreachable' : 'auth', `cannot read age file ${this.opts.path}: ${code ?? 'error'}`);
    }
    const head = bytes.subarray(0, 64).toString('latin1').trimStart();
    if (!head.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) return new Uint8Array(bytes);
    try {
      return decodeArmor(bytes.toString('latin1'));
    } catch {
      throw new SecretStoreError('invalid', `${this.opts.path} is not a valid ASCII-armored age file`);
    }
  }

  private async identities(): Promise<string[]> {
    let text: string | undefined;
    if ('file' in this.opts.identity) {
      try {
        text = await readFile(this.opts.identity.file, 'utf8');
      } catch (e) {
        throw new SecretStoreError('auth', `cannot read age identity file ${this.opts.identity.file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    } else {
      text = (this.opts.env ?? process.env)[this.opts.identity.env];
      if (!text) throw new SecretStoreError('auth', `environment variable ${this.opts.identity.env} (the age identity) is not set`);
    }
    // The key file format of age-keygen: comments, blank lines, one identity per line.
    const ids = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    if (!ids.length) throw new SecretStoreError('auth', `${this.identitySource()} holds no age identity`);
    return ids;
  }

  private identitySource(): string {
    return 'file' in this.opts.identity ? `identity file ${this.opts.identity.file}` : `environment variable ${this.opts.identity.env}`;
  }
}
