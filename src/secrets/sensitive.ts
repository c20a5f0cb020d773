import { inspect } from 'node:util';
import { registerSensitiveValue } from '../text/redact.js';

const REDACTED = '(sensitive)';

/**
 * A secret value. Redaction is structural: every way of turning it into text (string
 * conversion, JSON, util.inspect, template literals) yields "(sensitive)"; only `reveal()`, called
 * where the value is sent to the API or hashed, gives the value. Each value is also registered with
 * the run's redactor, so text from outside that quotes it back is masked at every output.
 */
export class Sensitive {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    registerSensitiveValue(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}
