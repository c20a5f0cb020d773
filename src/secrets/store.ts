import type { Sensitive } from './sensitive.js';

/** What one store is asked for: a secret by name, optionally pinned to a version. */
export interface SecretRequest {
  name: string;
  version?: string | number;
}

/**
 * A secret store adapter. `read` returns the raw secret text (a JSON or YAML secret is picked
 * from by `key` above this layer). It throws SecretStoreError and never puts a value in a message.
 */
export interface SecretStore {
  readonly type: string;
  read(request: SecretRequest): Promise<Sensitive>;
  /** Optional batch read; the resolver uses it when present. Missing names are absent from the map. */
  readMany?(requests: SecretRequest[]): Promise<Map<string, Sensitive | SecretStoreError>>;
}

export type SecretFailure = 'not-found' | 'auth' | 'unreachable' | 'invalid' | 'key-not-found';

export class SecretStoreError extends Error {
  constructor(
    readonly failure: SecretFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}
