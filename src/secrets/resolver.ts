import YAML from 'yaml';
import { error, ExitError, type Diagnostic } from '../diagnostics.js';
import type { SecretRefTarget } from '../model/state.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore } from './store.js';

export function describeRef(ref: SecretRefTarget): string {
  const parts = [`store ${ref.store}`, `name ${ref.name}`];
  if (ref.key !== undefined) parts.push(`key ${ref.key}`);
  if (ref.version !== undefined) parts.push(`version ${ref.version}`);
  return parts.join(', ');
}

const fetchKey = (store: string, req: SecretRequest) => JSON.stringify([store, req.name, req.version ?? null]);
const refKey = (ref: SecretRefTarget) => JSON.stringify([ref.store, ref.name, ref.version ?? null, ref.key ?? null]);

export interface ResolvedSecrets {
  get(ref: SecretRefTarget): Sensitive;
  /** Store reads made, for tests and the bench. */
  readonly reads: number;
}

/**
 * Resolves every reference before anything is written: one read per distinct (store, name,
 * version), all concurrently; every failure is reported, naming the reference, never a value.
 */
export async function resolveSecrets(
  refs: Iterable<SecretRefTarget>,
  stores: ReadonlyMap<string, SecretStore>,
  where: (ref: SecretRefTarget) => Omit<Diagnostic, 'severity' | 'message'> = () => ({}),
): Promise<ResolvedSecrets> {
  const wanted = new Map<string, SecretRefTarget>();
  for (const ref of refs) wanted.set(refKey(ref), ref);

  const byStore = new Map<string, Map<string, SecretRequest>>();
  for (const ref of wanted.values()) {
    const reqs = byStore.get(ref.store) ?? new Map<string, SecretRequest>();
    const req: SecretRequest = ref.version === undefined ? { name: ref.name } : { name: ref.name, version: ref.version };
    reqs.set(fetchKey(ref.store, req), req);
    byStore.set(ref.store, reqs);
  }

  const raw = new Map<string, Sensitive | SecretStoreError>();
  let reads = 0;
  await Promise.all(
    [...byStore].map(async ([storeName, reqs]) => {
      const store = stores.get(storeName);
      if (!store) {
        for (const k of reqs.keys()) raw.set(k, new SecretStoreError('invalid', `no secret store named ${storeName} in paystrator.yaml`));
        return;
      }
      const list = [...reqs.values()];
      if (store.readMany && list.length > 1) {
        reads += 1;
        const got = await store.readMany(list).catch((e: unknown) => e);
        for (const req of list) {
          const k = fetchKey(storeName, req);
          const v = got instanceof Map ? got.get(req.name) : got;
          raw.set(k, v instanceof Sensitive || v instanceof SecretStoreError ? v : asStoreError(v ?? new SecretStoreError('not-found', `secret ${req.name} not found`)));
        }
        return;
      }
      await Promise.all(
        list.map(async (req) => {
          reads += 1;
          try {
            raw.set(fetchKey(storeName, req), await store.read(req));
          } catch (e) {
            raw.set(fetchKey(storeName, req), asStoreError(e));
          }
        }),
      );
    }),
  );

  const values = new Map<string, Sensitive>();
  const errors: Diagnostic[] = [];
  for (const [k, ref] of wanted) {
    const req: SecretRequest = ref.version === undefined ? { name: ref.name } : { name: ref.name, version: ref.version };
    const got = raw.get(fetchKey(ref.store, req));
    const picked = got instanceof Sensitive ? pickKey(got, ref) : got;
    if (picked instanceof Sensitive) values.set(k, picked);
    else errors.push(error(`cannot resolve secret (${describeRef(ref)}): ${picked?.message ?? 'unknown failure'}`, { rule: 'secret-resolve', ...where(ref) }));
  }
  if (errors.length) throw new ExitError(errors);

  return {
    reads,
    get(ref) {
      const v = values.get(refKey(ref));
      if (!v) throw new Error(`secret (${describeRef(ref)}) was not resolved`);
      return v;
    },
  };
}

function asStoreError(e: unknown): SecretStoreError {
  if (e instanceof SecretStoreError) return e;
  // Foreign errors may quote what they read; keep only their class of failure.
  return new SecretStoreError('unreachable', `store failed (${e instanceof Error ? e.name : 'error'})`);
}

function pickKey(value: Sensitive, ref: SecretRefTarget): Sensitive | SecretStoreError {
  if (ref.key === undefined) return value;
  let data: unknown;
  try {
    data = YAML.parse(value.reveal());
  } catch {
    return new SecretStoreError('invalid', `secret is not JSON or YAML, so key ${ref.key} cannot be picked`);
  }
  if (!data || typeof data !== 'object' || !(ref.key in data)) {
    return new SecretStoreError('key-not-found', `secret has no key ${ref.key}`);
  }
  const v = (data as Record<string, unknown>)[ref.key];
  if (v === null || typeof v === 'object') return new SecretStoreError('invalid', `key ${ref.key} is not a scalar value`);
  return new Sensitive(String(v));
}
