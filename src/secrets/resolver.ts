import { parseYamlText } from '../load/quickyaml.js';
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
        let got: Array<Sensitive | SecretStoreError> | SecretStoreError;
        try {
          got = await store.readMany(list);
        } catch (e) {
          got = asStoreError(e);
        }
        list.forEach((req, i) => {
          const v = got instanceof SecretStoreError ? got : got[i];
          raw.set(fetchKey(storeName, req), v instanceof Sensitive ? v : asStoreError(v ?? new SecretStoreError('not-found', `secret ${req.name} not found`)));
        });
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
    const picked = got instanceof Sensitive ? pickKey(got, ref, stores.get(ref.store)?.keyed ?? false) : got;
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

/**
 * One reference read straight from its store, with `key` applied: how a store gets its own
 * credentials (a Vault token, a GCP access token) from another store. Throws SecretStoreError.
 */
export async function readRef(ref: SecretRefTarget, stores: ReadonlyMap<string, SecretStore>): Promise<Sensitive> {
  const store = stores.get(ref.store);
  if (!store) throw new SecretStoreError('invalid', `no secret store named ${ref.store} in paystrator.yaml`);
  let value: Sensitive;
  try {
    value = await store.read(ref.version === undefined ? { name: ref.name } : { name: ref.name, version: ref.version });
  } catch (e) {
    throw asStoreError(e);
  }
  const picked = pickKey(value, ref, store.keyed ?? false);
  if (picked instanceof SecretStoreError) throw picked;
  return picked;
}

function asStoreError(e: unknown): SecretStoreError {
  if (e instanceof SecretStoreError) return e;
  // Foreign errors may quote what they read; keep only their class of failure.
  return new SecretStoreError('unreachable', `store failed (${e instanceof Error ? e.name : 'error'})`);
}

function pickKey(value: Sensitive, ref: SecretRefTarget, keyed: boolean): Sensitive | SecretStoreError {
  if (ref.key === undefined && !keyed) return value;
  // The same parse path as every YAML file; its messages may quote the text, so none is kept.
  const parsed = parseYamlText(value.reveal(), 'secret');
  if (parsed.errors.length || parsed.docs.length > 1) {
    return new SecretStoreError('invalid', `secret is not JSON or YAML, so key ${ref.key} cannot be picked`);
  }
  const data: unknown = parsed.docs[0]?.value;
  if (ref.key === undefined) {
    const entries = data && typeof data === 'object' ? Object.values(data) : [];
    if (entries.length !== 1) return new SecretStoreError('invalid', `secret has ${entries.length} keys: add key to the secretRef to pick one`);
    return scalar(entries[0], 'its only key');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data) || !Object.hasOwn(data, ref.key)) {
    return new SecretStoreError('key-not-found', `secret has no key ${ref.key}`);
  }
  return scalar((data as Record<string, unknown>)[ref.key], `key ${ref.key}`);
}

function scalar(v: unknown, what: string): Sensitive | SecretStoreError {
  if (v === null || v === undefined || typeof v === 'object') return new SecretStoreError('invalid', `${what} is not a scalar value`);
  // A scalar here: objects were refused above.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return new Sensitive(String(v));
}
