// Request-body validation. Written out rather than run through the OpenAPI schemas with ajv:
// ajv reports a oneOf (fee) as a pile of branch errors, and a client needs one precise message
// per field, every field at once. Credential fields do go through ajv, with the integration's
// own property schemas, so the catalog stays the only source of those rules.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Catalog, CatalogEntry } from '../catalog/catalog.js';
import type {
  Fee,
  FieldError,
  NullableStringMap,
  ProviderCreate,
  ProviderPatch,
  ProviderStatus,
  ProviderType,
  StatusChange,
  StringMap,
  Tax,
} from '../generated/api.js';
import { compareDecimal, parseDecimal } from '../model/decimal.js';

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const PROVIDER_TYPES: readonly ProviderType[] = ['DIRECT', 'AGGREGATOR'];
export const PROVIDER_STATUSES: readonly ProviderStatus[] = ['ACTIVE', 'INACTIVE', 'MAINTENANCE'];
// The OpenAPI Decimal pattern: a string, so the value stays exact on the wire.
const DECIMAL = /^[0-9]+(\.[0-9]{1,4})?$/;

/**
 * Characters that are not printable text (SPEC section 3): C0 (tab too), DEL, C1, the line and
 * paragraph separators, and the bidi controls that reorder what a terminal or a review shows.
 * The OpenAPI document's Printable pattern is the same set.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const NOT_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export const LIMITS = {
  name: 100,
  labelKey: 63,
  labelValue: 256,
  labels: 64,
  annotationKey: 253,
  annotationValue: 4096,
} as const;

const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function pointer(base: string, key: string | number): string {
  return `${base}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

export class Errors {
  readonly list: FieldError[] = [];
  add(path: string, message: string): undefined {
    this.list.push({ path, message });
    return undefined;
  }

  /** The object at `at`, after reporting missing required and unknown properties. */
  object(v: unknown, at: string, required: readonly string[], optional: readonly string[]): Json | undefined {
    if (!isObject(v)) return this.add(at, 'must be an object');
    for (const k of required) if (!Object.hasOwn(v, k)) this.add(pointer(at, k), 'is required');
    const known = [...required, ...optional];
    for (const k of Object.keys(v)) {
      if (!known.includes(k)) this.add(pointer(at, k), `is not a known field (expected: ${known.join(', ')})`);
    }
    return v;
  }

  string(v: unknown, at: string, max = Infinity, printable = false): string | undefined {
    if (typeof v !== 'string') return this.add(at, 'must be a string');
    if (v.length === 0) return this.add(at, 'must not be empty');
    if (v.length > max) return this.add(at, `must be at most ${max} characters (got ${v.length})`);
    if (printable) return this.printable(v, at);
    return v;
  }

  /** The value, unless it holds a character that is not printable text (never quoted back: it is the problem). */
  printable(v: string, at: string): string | undefined {
    const bad = NOT_PRINTABLE.exec(v);
    if (bad) return this.add(at, `must be printable text: it contains the control character ${codePoint(bad[0])} at position ${bad.index + 1}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, at: string, values: readonly T[]): T | undefined {
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    return this.add(at, `must be one of ${values.join(', ')}`);
  }

  /** A canonical decimal: a percentage (0..100) or a whole IDR amount. */
  decimal(v: unknown, at: string, kind: 'percent' | 'idr'): string | undefined {
    if (typeof v !== 'string') {
      const hint = typeof v === 'number' ? ` (send "${v}" as a string so it stays exact)` : '';
      return this.add(at, `must be a decimal string such as "1.5"${hint}`);
    }
    if (!DECIMAL.test(v)) return this.add(at, 'must be digits with at most 4 decimal places, such as "1.5"');
    const r = parseDecimal(v);
    if (!r.ok) return this.add(at, r.reason);
    if (kind === 'percent' && compareDecimal(r.value, '100') > 0) return this.add(at, `must be between 0 and 100 (got ${r.value})`);
    if (kind === 'idr' && r.value.includes('.')) return this.add(at, `IDR amounts are whole rupiah (got ${r.value})`);
    return r.value;
  }

  fee(v: unknown, at: string): Fee | undefined {
    if (!isObject(v)) return this.add(at, 'must be an object');
    if (v.type === 'PERCENTAGE') {
      const o = this.object(v, at, ['type', 'percent'], []);
      const percent = o && Object.hasOwn(o, 'percent') ? this.decimal(o.percent, `${at}/percent`, 'percent') : undefined;
      return percent === undefined ? undefined : { type: 'PERCENTAGE', percent };
    }
    if (v.type === 'FLAT') {
      const o = this.object(v, at, ['type', 'amount', 'currency'], []);
      const amount = o && Object.hasOwn(o, 'amount') ? this.decimal(o.amount, `${at}/amount`, 'idr') : undefined;
      const currency = o && Object.hasOwn(o, 'currency') ? this.oneOf(o.currency, `${at}/currency`, ['IDR'] as const) : undefined;
      return amount === undefined || currency === undefined ? undefined : { type: 'FLAT', amount, currency };
    }
    return this.add(`${at}/type`, 'must be PERCENTAGE or FLAT');
  }

  tax(v: unknown, at: string): Tax | undefined {
    const o = this.object(v, at, ['vatPercent', 'applyVat'], []);
    if (!o) return undefined;
    const vatPercent = Object.hasOwn(o, 'vatPercent') ? this.decimal(o.vatPercent, `${at}/vatPercent`, 'percent') : undefined;
    let applyVat: boolean | undefined;
    if (typeof o.applyVat === 'boolean') applyVat = o.applyVat;
    else if (Object.hasOwn(o, 'applyVat')) this.add(`${at}/applyVat`, 'must be true or false');
    return vatPercent === undefined || applyVat === undefined ? undefined : { vatPercent, applyVat };
  }

  services(v: unknown, at: string, entry: CatalogEntry | undefined): string[] | undefined {
    if (!Array.isArray(v)) return this.add(at, 'must be an array of services');
    if (v.length === 0) return this.add(at, 'must name at least one service');
    const before = this.list.length;
    v.forEach((s: unknown, i) => {
      if (typeof s !== 'string') this.add(pointer(at, i), 'must be a string');
      else if (v.indexOf(s) !== i) this.add(pointer(at, i), `repeats ${s}`);
      else if (entry && !entry.services.includes(s)) {
        this.add(pointer(at, i), `${entry.displayName} does not support ${s} (supported: ${entry.services.join(', ')})`);
      }
    });
    return this.list.length === before ? (v as string[]) : undefined;
  }

  /** Credentials against the integration's fields; `partial` for a patch, which merges per field. */
  credentials(v: unknown, at: string, entry: CatalogEntry | undefined, partial: boolean): Record<string, string> | undefined {
    if (!isObject(v)) return this.add(at, 'must be an object');
    const before = this.list.length;
    const fields = entry && new Map(entry.credentialFields.map((f) => [f.name, f]));
    // Messages never quote a credential value: a secret must not come back in an error.
    for (const [name, value] of Object.entries(v)) {
      const at1 = pointer(at, name);
      const field = fields?.get(name);
      if (fields && !field) this.add(at1, `is not a credential field of ${entry.displayName} (fields: ${[...fields.keys()].join(', ')})`);
      else if (typeof value !== 'string') {
        this.add(at1, field?.secret ? 'is a secret field: send the resolved value as a string' : 'must be a string');
      } else if (field?.secret) {
        if (value.length === 0) this.add(at1, 'must not be empty');
      } else if (entry && field) {
        const check = fieldValidator(entry, name);
        if (!check(value)) for (const e of check.errors ?? []) this.add(at1, e.message ?? 'is invalid');
      }
    }
    if (!partial && entry) {
      for (const f of entry.credentialFields) if (f.required && !Object.hasOwn(v, f.name)) this.add(pointer(at, f.name), `is required by ${entry.displayName}`);
    }
    return this.list.length === before ? (v as Record<string, string>) : undefined;
  }

  /** Labels (kind 'label': short printable keys and values, at most 64) or annotations (longer; values are free text). */
  stringMap(v: unknown, at: string, nullable: boolean, kind: 'label' | 'annotation'): NullableStringMap | undefined {
    if (!isObject(v)) return this.add(at, 'must be an object');
    const before = this.list.length;
    const [maxKey, maxValue] = kind === 'label' ? [LIMITS.labelKey, LIMITS.labelValue] : [LIMITS.annotationKey, LIMITS.annotationValue];
    const entries = Object.entries(v);
    if (kind === 'label' && entries.length > LIMITS.labels) this.add(at, `must have at most ${LIMITS.labels} labels (got ${entries.length})`);
    for (const [k, val] of entries) {
      const at1 = pointer(at, k);
      if (k.length === 0 || k.length > maxKey) this.add(at1, `${kind} keys must be 1 to ${maxKey} characters (got ${k.length})`);
      else if (NOT_PRINTABLE.test(k)) this.add(at1, `${kind} keys must be printable text: this one contains the control character ${codePoint(NOT_PRINTABLE.exec(k)![0])}`);
      if (!(typeof val === 'string' || (nullable && val === null))) this.add(at1, nullable ? 'must be a string, or null to remove it' : 'must be a string');
      else if (typeof val === 'string' && val.length > maxValue) this.add(at1, `must be at most ${maxValue} characters (got ${val.length})`);
      else if (typeof val === 'string' && kind === 'label') this.printable(val, at1);
    }
    return this.list.length === before ? (v as NullableStringMap) : undefined;
  }

  result<T>(value: () => T): Validated<T> {
    return this.list.length ? { ok: false, errors: this.list } : { ok: true, value: value() };
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
const fieldValidators = new WeakMap<CatalogEntry, Map<string, ValidateFunction>>();

function fieldValidator(entry: CatalogEntry, name: string): ValidateFunction {
  let byName = fieldValidators.get(entry);
  if (!byName) fieldValidators.set(entry, (byName = new Map<string, ValidateFunction>()));
  let v = byName.get(name);
  if (!v) byName.set(name, (v = ajv.compile(entry.schema.properties[name] ?? {})));
  return v;
}

export function validateCreate(body: unknown, catalog: Catalog): Validated<{ input: ProviderCreate; entry: CatalogEntry }> {
  const e = new Errors();
  const o = e.object(body, '', ['name', 'type', 'integration', 'services', 'credentials', 'fee', 'tax'], ['status', 'labels', 'annotations']);
  if (!o) return { ok: false, errors: e.list };
  const has = (k: string): boolean => Object.hasOwn(o, k);
  const name = has('name') ? e.string(o.name, '/name', LIMITS.name, true) : undefined;
  const type = has('type') ? e.oneOf(o.type, '/type', PROVIDER_TYPES) : undefined;
  let entry: CatalogEntry | undefined;
  if (has('integration') && e.string(o.integration, '/integration') !== undefined) {
    entry = catalog.get(o.integration as string);
    if (!entry) e.add('/integration', `is not a known integration (known: ${catalog.ids().join(', ')})`);
    else if (type && type !== entry.type) e.add('/type', `must be ${entry.type}, the type of ${entry.displayName} in the catalog`);
  }
  const services = has('services') ? e.services(o.services, '/services', entry) : undefined;
  const credentials = has('credentials') ? e.credentials(o.credentials, '/credentials', entry, false) : undefined;
  const fee = has('fee') ? e.fee(o.fee, '/fee') : undefined;
  const tax = has('tax') ? e.tax(o.tax, '/tax') : undefined;
  const status = has('status') ? e.oneOf(o.status, '/status', PROVIDER_STATUSES) : undefined;
  // Not nullable here, so these hold strings only.
  const labels = has('labels') ? (e.stringMap(o.labels, '/labels', false, 'label') as StringMap | undefined) : undefined;
  const annotations = has('annotations') ? (e.stringMap(o.annotations, '/annotations', false, 'annotation') as StringMap | undefined) : undefined;
  return e.result(() => ({
    entry: entry!,
    input: {
      name: name!,
      type: type!,
      integration: entry!.id,
      services: services as ProviderCreate['services'],
      credentials: credentials!,
      fee: fee!,
      tax: tax!,
      ...(status ? { status } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
  }));
}

export function validatePatch(body: unknown, entry: CatalogEntry): Validated<ProviderPatch> {
  const e = new Errors();
  const o = e.object(body, '', [], ['services', 'credentials', 'fee', 'tax', 'labels', 'annotations']);
  if (!o) return { ok: false, errors: e.list };
  if (Object.keys(o).length === 0) e.add('', 'must change at least one field');
  const patch: ProviderPatch = {};
  if (Object.hasOwn(o, 'services')) patch.services = e.services(o.services, '/services', entry);
  if (Object.hasOwn(o, 'credentials')) patch.credentials = e.credentials(o.credentials, '/credentials', entry, true);
  if (Object.hasOwn(o, 'fee')) patch.fee = e.fee(o.fee, '/fee');
  if (Object.hasOwn(o, 'tax')) patch.tax = e.tax(o.tax, '/tax');
  if (Object.hasOwn(o, 'labels')) patch.labels = e.stringMap(o.labels, '/labels', true, 'label');
  if (Object.hasOwn(o, 'annotations')) patch.annotations = e.stringMap(o.annotations, '/annotations', true, 'annotation');
  return e.result(() => patch);
}

/** A patch's labels merge into the provider's: the limit on their number holds for the result. */
export function labelsAfterPatch(current: Record<string, string>, patch: ProviderPatch): FieldError[] {
  if (!patch.labels) return [];
  const keys = new Set(Object.keys(current));
  for (const [k, v] of Object.entries(patch.labels)) {
    if (v === null) keys.delete(k);
    else keys.add(k);
  }
  return keys.size > LIMITS.labels ? [{ path: '/labels', message: `the provider would have ${keys.size} labels; at most ${LIMITS.labels} are allowed` }] : [];
}

export function validateStatusChange(body: unknown): Validated<StatusChange> {
  const e = new Errors();
  const o = e.object(body, '', ['status'], ['reason', 'annotations']);
  if (!o) return { ok: false, errors: e.list };
  const status = Object.hasOwn(o, 'status') ? e.oneOf(o.status, '/status', PROVIDER_STATUSES) : undefined;
  let reason: string | undefined;
  if (typeof o.reason === 'string' && o.reason.length <= 500) reason = o.reason;
  else if (Object.hasOwn(o, 'reason')) e.add('/reason', 'must be a string of at most 500 characters');
  const annotations = Object.hasOwn(o, 'annotations') ? e.stringMap(o.annotations, '/annotations', true, 'annotation') : undefined;
  return e.result(() => ({ status: status!, ...(reason !== undefined ? { reason } : {}), ...(annotations ? { annotations } : {}) }));
}
