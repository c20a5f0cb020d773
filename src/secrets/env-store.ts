import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore } from './store.js';

export class EnvStore implements SecretStore {
  readonly type = 'env';
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly prefix = '',
  ) {}

  async read({ name, version }: SecretRequest): Promise<Sensitive> {
    if (version !== undefined) throw new SecretStoreError('invalid', 'the env store has no versions; remove `version`');
    const value = this.env[this.prefix + name];
    if (value === undefined || value === '') {
      throw new SecretStoreError('not-found', `environment variable ${this.prefix + name} is not set`);
    }
    return new Sensitive(value);
  }
}
