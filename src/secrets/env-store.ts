import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore } from './store.js';

export class EnvStore implements SecretStore {
  readonly type = 'env';
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly prefix = '',
  ) {}

  // async so that a missing variable is a rejected promise, as every store's read is.
  // eslint-disable-next-line @typescript-eslint/require-await
  async read({ name, version }: SecretRequest): Promise<Sensitive> {
    if (version !== undefined) throw new SecretStoreError('invalid', 'the env store has no versions; remove `version`');
    const value = this.env[this.prefix + name];
    if (value === undefined || value === '') {
      throw new SecretStoreError('not-found', `environment variable ${this.prefix + name} is not set`);
    }
    return new Sensitive(value);
  }
}
