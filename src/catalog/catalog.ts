// The integration catalog ships as JSON Schemas in schemas/integrations/: the same files drive
// offline validation, editor completion and the sandbox's GET /v1/integrations.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CredentialField, Integration } from '../generated/api.js';

export const schemasDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schemas');

export interface IntegrationSchema {
  $id: string;
  title: string;
  /** qris: the QR_CODE service is QRIS, so the integration may join the QR_CODE default sequence. */
  'x-integration': { id: string; displayName: string; type: Integration['type']; services: string[]; qris?: boolean };
  required?: string[];
  properties: Record<string, { description?: string; writeOnly?: boolean; pattern?: string }>;
  [k: string]: unknown;
}

export interface CatalogEntry extends Integration {
  schema: IntegrationSchema;
  secretFields: ReadonlySet<string>;
}

export class Catalog {
  readonly byId: ReadonlyMap<string, CatalogEntry>;
  constructor(entries: CatalogEntry[]) {
    this.byId = new Map(entries.map((e) => [e.id, e]));
  }
  get(id: string): CatalogEntry | undefined {
    return this.byId.get(id);
  }
  ids(): string[] {
    return [...this.byId.keys()].sort();
  }
  /** The catalog as GET /v1/integrations serves it. */
  toApi(): Integration[] {
    return [...this.byId.values()].map(({ schema: _s, secretFields: _f, ...api }) => api);
  }
}

export function entryFromSchema(schema: IntegrationSchema): CatalogEntry {
  const meta = schema['x-integration'];
  const required = new Set(schema.required ?? []);
  const credentialFields: CredentialField[] = Object.entries(schema.properties).map(([name, p]) => ({
    name,
    ...(p.description ? { description: p.description } : {}),
    secret: p.writeOnly === true,
    required: required.has(name),
    ...(p.pattern ? { pattern: p.pattern } : {}),
  }));
  return {
    id: meta.id,
    displayName: meta.displayName,
    type: meta.type,
    services: meta.services,
    credentialFields,
    qris: meta.qris === true,
    schema,
    secretFields: new Set(credentialFields.filter((f) => f.secret).map((f) => f.name)),
  };
}

let cached: Catalog | undefined;

/** The catalog bundled with this package. */
export function bundledCatalog(): Catalog {
  if (!cached) {
    const dir = path.join(schemasDir, 'integrations');
    const entries = readdirSync(dir)
      .filter((f) => f.endsWith('.schema.json'))
      .sort()
      .map((f) => entryFromSchema(JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as IntegrationSchema));
    cached = new Catalog(entries);
  }
  return cached;
}
