// The OpenAPI document is the contract: API answers are checked against its component schemas,
// so a malformed answer becomes a clear error instead of a wrong plan. The validators are compiled
// ahead from schemas/paystrator-api.openapi.yaml by `npm run gen:types`.
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { InternalError } from '../diagnostics.js';
import * as validators from '../generated/api-validators.js';

export function componentValidator(name: string): ValidateFunction {
  const v = (validators as unknown as Record<string, ValidateFunction | undefined>)[name];
  if (!v) throw new InternalError(`no component schema ${name} in the OpenAPI document`);
  return v;
}

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}
