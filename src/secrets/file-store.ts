import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseNamedValues } from './named-values.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore } from './store.js';

/**
 * Secrets from the file system: either a directory with one file per secret (as Docker and
 * Kubernetes mount them), or one JSON/YAML file of named values.
 */
export class FileStore implements SecretStore {
  readonly type = 'file';
  #values?: Promise<Map<string, string>>;

  constructor(private readonly location: { dir: string } | { path: string }) {}

  async read({ name, version }: SecretRequest): Promise<Sensitive> {
    if (version !== undefined) throw new SecretStoreError('invalid', 'the file store has no versions; remove `version`');
    if ('dir' in this.location) return this.readFromDir(this.location.dir, name);
    const value = (await this.loadFile(this.location.path)).get(name);
    if (value === undefined) throw new SecretStoreError('not-found', `no value named ${name} in ${this.location.path}`);
    return new Sensitive(value);
  }

  private async readFromDir(dir: string, name: string): Promise<Sensitive> {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new SecretStoreError('invalid', `secret name ${name} must be a plain file name`);
    }
    const file = path.join(dir, name);
    try {
      return new Sensitive((await readFile(file, 'utf8')).replace(/\r?\n$/, ''));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new SecretStoreError('not-found', `no file ${file}`);
      if (code === 'EACCES') throw new SecretStoreError('auth', `cannot read ${file}: permission denied`);
      throw new SecretStoreError('unreachable', `cannot read ${file}: ${code ?? 'error'}`);
    }
  }

  private loadFile(file: string): Promise<Map<string, string>> {
    this.#values ??= (async () => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new SecretStoreError(code === 'ENOENT' ? 'unreachable' : 'auth', `cannot read secrets file ${file}: ${code ?? 'error'}`);
      }
      return parseNamedValues(bytes, file);
    })();
    return this.#values;
  }
}
