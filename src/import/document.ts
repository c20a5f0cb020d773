// A live provider as a provider file: the keys in the order of providers/*.yaml, the schema
// modeline, flow style where the examples use it, and every secret field as a secretRef
// placeholder with a comment that says what to put where. Built with yaml's Document API, so
// quoting is always right (a companyCode "10234" stays a string).
import { Document, isCollection, isScalar, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { Catalog } from '../catalog/catalog.js';
import type { Provider } from '../generated/api.js';
import { MANAGED_BY_LABEL, type SecretRefTarget } from '../model/state.js';
import { escapeText } from '../text/escape.js';

export interface SecretPlaceholder {
  provider: string;
  field: string;
  ref: SecretRefTarget;
  /** Kept from the provider's existing file (--overwrite) rather than newly named. */
  kept: boolean;
}

export interface ProviderFileOptions {
  catalog: Catalog;
  /** The modeline's schema reference, relative to the file's folder. */
  schemaRef: string;
  environment: string;
  /** Names a placeholder gets for a secret field. */
  secretRef(provider: Provider, field: string): SecretRefTarget;
  /** secretRefs the provider's existing file already has, by field (--overwrite keeps them). */
  keep?: Record<string, SecretRefTarget>;
}

export interface ProviderFile {
  text: string;
  secrets: SecretPlaceholder[];
}

/** Secret names: letters, digits and _, upper case, starting with a letter (an env var name). */
export function secretName(provider: string, field: string): string {
  const part = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase();
  const name = [part(provider) || 'PROVIDER', part(field)].filter(Boolean).join('_');
  return /^[A-Z]/.test(name) ? name : `P_${name}`;
}

/** A file name from a provider name, as the examples are named: "BCA Direct" -> bca-direct.yaml. */
export function fileSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

/** What the catalog says a field is, as a short phrase: "Client secret issued with the client key". */
function fieldPhrase(catalog: Catalog, integration: string, field: string): string | undefined {
  const d = catalog.get(integration)?.schema.properties[field]?.description;
  return d?.replace(/\s*\(secret[^)]*\)/i, '').replace(/\.\s*$/, '') || undefined;
}

/** Credential fields in the catalog's order (the order of the examples), unknown ones after, sorted. */
function credentialOrder(catalog: Catalog, integration: string, fields: string[]): string[] {
  const known = Object.keys(catalog.get(integration)?.schema.properties ?? {});
  return [...known.filter((f) => fields.includes(f)), ...fields.filter((f) => !known.includes(f)).sort()];
}

function flow(node: unknown): void {
  if (isCollection(node)) node.flow = true;
}

function quote(node: unknown): void {
  if (isScalar(node)) node.type = 'QUOTE_DOUBLE';
}

function pairOf(map: YAMLMap, key: string): Pair<Scalar, unknown> | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair<Scalar, unknown> | undefined;
}

export function providerFile(p: Provider, opts: ProviderFileOptions): ProviderFile {
  const secrets: SecretPlaceholder[] = [];
  const credentials: Record<string, unknown> = {};
  for (const field of credentialOrder(opts.catalog, p.integration, Object.keys(p.credentials))) {
    const v = p.credentials[field];
    if (v === undefined) continue;
    if (typeof v === 'string') {
      credentials[field] = v;
      continue;
    }
    const kept = opts.keep?.[field];
    const ref = kept ?? opts.secretRef(p, field);
    credentials[field] = { secretRef: { ...ref } };
    secrets.push({ provider: p.name, field, ref, kept: kept !== undefined });
  }
  const entry = opts.catalog.get(p.integration);
  const services = entry ? [...entry.services.filter((s) => p.services.includes(s)), ...p.services.filter((s) => !entry.services.includes(s))] : [...p.services];
  const labels = Object.fromEntries(Object.entries(p.labels).filter(([k, v]) => k !== MANAGED_BY_LABEL && v !== undefined));
  const fee =
    p.fee.type === 'PERCENTAGE'
      ? { type: 'PERCENTAGE', percent: p.fee.percent }
      : { type: 'FLAT', amount: /^\d{1,15}$/.test(p.fee.amount) ? Number(p.fee.amount) : p.fee.amount, currency: p.fee.currency };

  const doc = new Document({
    apiVersion: 'paystrator-gitops/v1',
    kind: 'Provider',
    metadata: { name: p.name, ...(Object.keys(labels).length ? { labels } : {}) },
    spec: {
      type: p.type,
      integration: p.integration,
      services,
      credentials,
      fee,
      tax: { vatPercent: p.tax.vatPercent, applyVat: p.tax.applyVat },
      status: p.status,
    },
  });
  const root = doc.contents as YAMLMap;
  // Comments hold live text too; YAML does not escape a comment, so it is escaped here.
  root.commentBefore = ` yaml-language-server: $schema=${opts.schemaRef}\n Imported from the live provider ${escapeText(p.id)} (environment ${opts.environment}).`;
  flow(doc.getIn(['metadata', 'labels'], true));
  flow(doc.getIn(['spec', 'services'], true));
  flow(doc.getIn(['spec', 'fee'], true));
  flow(doc.getIn(['spec', 'tax'], true));
  quote(doc.getIn(['spec', 'fee', 'percent'], true));
  if (typeof fee.amount === 'string') quote(doc.getIn(['spec', 'fee', 'amount'], true));
  quote(doc.getIn(['spec', 'tax', 'vatPercent'], true));

  const creds = doc.getIn(['spec', 'credentials'], true) as YAMLMap;
  for (const s of secrets) {
    flow(doc.getIn(['spec', 'credentials', s.field], true));
    const what = fieldPhrase(opts.catalog, p.integration, s.field);
    const pair = pairOf(creds, s.field);
    if (pair && !s.kept) {
      const store = `secret store "${s.ref.store}"`;
      pair.key.commentBefore = ` fill in: put this provider's ${s.field}${what ? ` (${what})` : ''} in ${store} as ${s.ref.name}`;
    }
  }
  if (p.status !== 'ACTIVE') {
    const pair = pairOf(doc.get('spec', true) as YAMLMap, 'status');
    const reason = p.statusReason ? `: ${escapeText(p.statusReason.replace(/\s+/g, ' ').slice(0, 120))}` : '';
    if (pair) pair.value = Object.assign(doc.createNode(p.status), { comment: ` set by ${escapeText(String(p.statusChangedBy))}${reason}` });
  }
  // yaml pads flow sequences ("[ A, B ]"); the examples write "[A, B]".
  const text = doc.toString({ lineWidth: 0 }).replace(/^(\s*services: )\[ (.*) \]$/m, '$1[$2]');
  return { text, secrets };
}
