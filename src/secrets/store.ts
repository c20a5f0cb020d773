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
  /**
   * Every value is a map of keys (Vault KV): a reference must pick one with `key`, unless the map
   * has a single entry. Without this, a whole JSON document could be sent as a credential.
   */
  readonly keyed?: boolean;
  read(request: SecretRequest): Promise<Sensitive>;
  /**
   * Optional batch read; the resolver uses it when present. The result is aligned with
   * `requests`: one value or error per request, in the same order.
   */
  readMany?(requests: SecretRequest[]): Promise<Array<Sensitive | SecretStoreError>>;
  /**
   * Stores that keep versions (Vault KV v2): the versions before the current one, newest first,
   * to read with `read({ name, version })`. Absent: the store keeps no history to go back to.
   */
  earlierVersions?(name: string, limit?: number): Promise<Array<string | number>>;
  /**
   * Present on stores that can be written (an API key's `valueSink`). Writes `value` as the new
   * current value of `name`: the whole secret, or, with `key`, that property of a JSON secret
   * whose other properties are kept. Throws SecretStoreError, whose message never holds the value.
   */
  write?(name: string, value: Sensitive, opts?: SecretWriteOptions): Promise<SecretWriteResult>;
}

export interface SecretWriteOptions {
  /** The property of a JSON secret to set; without it the secret is the value itself (Vault: key `value`). */
  key?: string;
}

export interface SecretWriteResult {
  /** The version the write made, where the store keeps versions (a Vault KV version, an AWS VersionId). */
  version?: string;
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
