// The OpenAPI document is the contract: API answers are checked against its component schemas,
// so a malformed answer becomes a clear error instead of a wrong plan.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { apiComponents } from '../generated/api-components.js';

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function load(): Ajv2020 {
  if (ajv) return ajv;
  const defs = JSON.parse(JSON.stringify(apiComponents).replaceAll('#/components/schemas/', 'api#/$defs/')) as Record<string, unknown>;
  // validateSchema: see src/load/schema.ts; schema.test.ts checks the document once.
  ajv = new Ajv2020({ allErrors: false, strict: false, validateFormats: false, validateSchema: false });
  ajv.addSchema({ $id: 'api', $defs: defs });
  return ajv;
}

export function componentValidator(name: string): ValidateFunction {
  let v = validators.get(name);
  if (!v) {
    v = load().compile({ $ref: `api#/$defs/${name}` });
    validators.set(name, v);
  }
  return v;
}

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}
