import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { schemasDir } from '../catalog/catalog.js';
import YAML from 'yaml';

// A run compiles the schemas without checking them against the meta-schema (it costs more than
// validating 10,000 documents), so that check is made here, once, for every committed schema.
// (The validators themselves are compiled ahead by `npm run gen:types`; generated.test.ts keeps them current.)
describe('committed schemas', () => {
  const files = [
    ...readdirSync(schemasDir).filter((f) => f.endsWith('.schema.json')),
    ...readdirSync(path.join(schemasDir, 'integrations')).map((f) => `integrations/${f}`),
  ];

  it.each(files)('%s is a valid JSON Schema 2020-12', (file) => {
    const ajv = new Ajv2020({ strict: false });
    const ok = ajv.validateSchema(JSON.parse(readFileSync(path.join(schemasDir, file), 'utf8')) as object);
    expect(ajv.errors ?? [], file).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the OpenAPI component schemas are valid JSON Schemas', () => {
    const ajv = new Ajv2020({ strict: false });
    const doc = YAML.parse(readFileSync(path.join(schemasDir, 'paystrator-api.openapi.yaml'), 'utf8')) as { components: { schemas: Record<string, unknown> } };
    const components = doc.components.schemas;
    expect(Object.keys(components).length).toBeGreaterThan(5);
    for (const [name, schema] of Object.entries(components)) {
      // Synchronous for a schema without $async; what it found is in ajv.errors.
      void ajv.validateSchema(schema as object);
      expect(ajv.errors ?? [], name).toEqual([]);
    }
  });
});
