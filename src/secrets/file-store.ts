import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { parseNamedValues } from './named-values.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore, type SecretWriteOptions, type SecretWriteResult } from './store.js';

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

  /**
   * Writes one file of the store's directory, atomically (a temporary file in the same directory,
   * synced, then renamed over the old one), readable by its owner only. A reader never sees half a
   * value, and a run killed mid-write leaves the old value. A store made of one `path` file is
   * not written: it is typically committed or shared, and rewriting it would reformat it.
   */
  async write(name: string, value: Sensitive, opts: SecretWriteOptions = {}): Promise<SecretWriteResult> {
    if (!('dir' in this.location)) {
      throw new SecretStoreError('invalid', `the file store ${this.location.path} is one file of named values and cannot be written: give the store a \`dir\``);
    }
    const dir = this.location.dir;
    const file = plainFile(dir, name);
    let text = value.reveal();
    if (opts.key !== undefined) {
      let current: Record<string, unknown> = {};
      const existing = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw new SecretStoreError(e.code === 'EACCES' ? 'auth' : 'unreachable', `cannot read ${file}: ${e.code ?? 'error'}`);
      });
      if (existing !== undefined && existing.trim() !== '') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(existing);
        } catch {
          parsed = undefined;
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new SecretStoreError('invalid', `${file} is not a JSON object, so key ${opts.key} cannot be set in it`);
        }
        current = parsed as Record<string, unknown>;
      }
      text = `${JSON.stringify({ ...current, [opts.key]: value.reveal() }, null, 2)}\n`;
    }
    const temp = path.join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'wx', 0o600);
      try {
        // The mode given to open is masked by the umask; this one is not.
        await handle.chmod(0o600);
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      if (e instanceof SecretStoreError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') throw new SecretStoreError('unreachable', `cannot write ${file}: ${dir} is not a directory`);
      throw new SecretStoreError(code === 'EACCES' || code === 'EPERM' ? 'auth' : 'unreachable', `cannot write ${file}: ${code ?? 'error'}`);
    }
    return {};
  }

  private async readFromDir(dir: string, name: string): Promise<Sensitive> {
    const file = plainFile(dir, name);
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

/** The file a secret name stands for: a plain name directly inside the store's directory, never a path out of it. */
function plainFile(dir: string, name: string): string {
  const file = path.resolve(dir, name);
  if (name === '' || name.includes('/') || name.includes('\\') || name.includes('\0') || name.startsWith('.') || path.dirname(file) !== path.resolve(dir)) {
    throw new SecretStoreError('invalid', `secret name ${name} must be a plain file name`);
  }
  return file;
}
