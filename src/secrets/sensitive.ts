import { inspect } from 'node:util';

const REDACTED = '(sensitive)';

/**
 * A secret value. Redaction is structural: every way of turning it into text (string
 * conversion, JSON, util.inspect, template literals) yields "(sensitive)"; only `reveal()`, called
 * where the value is sent to the API or hashed, gives the value.
 */
export class Sensitive {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
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
