import path from 'node:path';
import type { WorkspaceConfig } from '../generated/config.js';
import { EnvStore } from './env-store.js';
import { FileStore } from './file-store.js';
import { SecretStoreError, type SecretStore } from './store.js';

/** A store whose type is declared but has no adapter here: failing on use, not on load. */
class UnavailableStore implements SecretStore {
  constructor(readonly type: string) {}
  async read(): Promise<never> {
    throw new SecretStoreError('unreachable', `secret store type ${this.type} is not available in this version`);
  }
}

export function createStores(
  configs: WorkspaceConfig['secretStores'],
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, SecretStore> {
  const stores = new Map<string, SecretStore>();
  for (const [name, cfg] of Object.entries(configs ?? {})) {
    if (!cfg) continue;
    switch (cfg.type) {
      case 'env':
        stores.set(name, new EnvStore(env, cfg.prefix ?? ''));
        break;
      case 'file':
        stores.set(name, new FileStore(cfg.dir ? { dir: path.resolve(baseDir, cfg.dir) } : { path: path.resolve(baseDir, cfg.path ?? '') }));
        break;
      default:
        stores.set(name, new UnavailableStore(cfg.type));
    }
  }
  return stores;
}
