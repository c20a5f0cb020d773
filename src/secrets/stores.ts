import path from 'node:path';
import type { SecretRefTarget, WorkspaceConfig } from '../generated/config.js';
import { AgeStore } from './age-store.js';
import { AwsSecretsManagerStore } from './aws-store.js';
import { EnvStore } from './env-store.js';
import { FileStore } from './file-store.js';
import { GcpSecretManagerStore } from './gcp-store.js';
import { describeRef, readRef } from './resolver.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretStore } from './store.js';
import { VaultStore, type CredentialSource } from './vault-store.js';

const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.round(seconds * 1000));

/**
 * The stores declared under `secretStores`. Nothing is read here: network stores connect, and
 * fetch their own credentials (a Vault token, a GCP access token) from other stores, on first use.
 * The config loader has already rejected stores that would unlock each other in a cycle.
 */
export function createStores(
  configs: WorkspaceConfig['secretStores'],
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, SecretStore> {
  const stores = new Map<string, SecretStore>();
  const fetched = new Map<string, Promise<Sensitive>>();
  // Another store's credential, through the same read path (and `key`) as any secretRef, once.
  const credential =
    (ref: SecretRefTarget): CredentialSource =>
    () => {
      const k = JSON.stringify([ref.store, ref.name, ref.version ?? null, ref.key ?? null]);
      let p = fetched.get(k);
      if (!p) {
        p = readRef(ref, stores).catch((e: unknown) => {
          const reason = e instanceof SecretStoreError ? e.message : 'it could not be read';
          throw new SecretStoreError('auth', `(${describeRef(ref)}) ${reason}`);
        });
        fetched.set(k, p);
      }
      return p;
    };

  for (const [name, cfg] of Object.entries(configs ?? {})) {
    if (!cfg) continue;
    switch (cfg.type) {
      case 'env':
        stores.set(name, new EnvStore(env, cfg.prefix ?? ''));
        break;
      case 'file':
        stores.set(name, new FileStore(cfg.dir ? { dir: path.resolve(baseDir, cfg.dir) } : { path: path.resolve(baseDir, cfg.path ?? '') }));
        break;
      case 'age':
        stores.set(
          name,
          new AgeStore({
            path: path.resolve(baseDir, cfg.path),
            identity: cfg.identityFile ? { file: path.resolve(baseDir, cfg.identityFile) } : { env: cfg.identityEnv ?? '' },
            env,
          }),
        );
        break;
      case 'vault': {
        const role = cfg.appRole;
        stores.set(
          name,
          new VaultStore({
            address: cfg.address,
            mount: cfg.mount ?? 'secret',
            ...(cfg.namespace ? { namespace: cfg.namespace } : {}),
            auth: role
              ? {
                  method: 'approle',
                  mount: role.mount ?? 'approle',
                  roleId: typeof role.roleId === 'string' ? () => Promise.resolve(new Sensitive(role.roleId as string)) : credential(role.roleId.secretRef),
                  secretId: credential(role.secretId.secretRef),
                }
              : { method: 'token', token: cfg.token ? credential(cfg.token.secretRef) : missing('token or appRole') },
            ...timeout(cfg.timeoutSeconds),
          }),
        );
        break;
      }
      case 'aws-secrets-manager':
        stores.set(name, new AwsSecretsManagerStore({ region: cfg.region, ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}), ...timeout(cfg.timeoutSeconds) }));
        break;
      case 'gcp-secret-manager':
        stores.set(
          name,
          new GcpSecretManagerStore({
            project: cfg.project,
            ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
            accessToken: cfg.accessToken ? credential(cfg.accessToken.secretRef) : missing('accessToken'),
            ...timeout(cfg.timeoutSeconds),
          }),
        );
        break;
    }
  }
  return stores;
}

function timeout(seconds: number | undefined): { timeoutMs?: number } {
  const t = ms(seconds);
  return t === undefined ? {} : { timeoutMs: t };
}

/** The schema requires it; this keeps a config built in code from failing obscurely. */
function missing(what: string): CredentialSource {
  return () => Promise.reject(new SecretStoreError('invalid', `the store's ${what} is not configured`));
}
