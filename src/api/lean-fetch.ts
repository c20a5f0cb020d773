// The embedded sandbox is the same Hono app that `sandbox --port` serves, called in-process. On
// Node 20 the first use of the global Request, Response or Headers loads Node's own copy of undici
// (~40 ms of CPU, twice a bare `node -e 0`), and an embedded run only ever puts a status, a few
// headers and a string in them. So the build (scripts/build.mjs) gives hono and src/sandbox/ these
// two classes in place of the globals, and once the in-process transport turns lean mode on they
// make plain objects with the same behaviour for what an API answer holds (string or byte bodies).
// Before that (a served sandbox, any other command), and for any other body (a stream, a Blob, a
// FormData), they return the real objects: `new` hands back what a constructor returns. Outside the
// build (vitest running src/) nothing uses them but the in-process transport's request.

let lean = false;

/** Called by the in-process transport: from now on in this process the classes below are lean. */
export function useLeanFetch(): void {
  lean = true;
}

/**
 * A real Headers or Response (say, from a fetch the sandbox makes) is one too. In lean mode by its
 * tag: `instanceof` the global would load undici to answer.
 */
function isReal(v: unknown, name: 'Headers' | 'Response'): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (lean) return Object.prototype.toString.call(v) === `[object ${name}]`;
  return v instanceof globalThis[name];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function headerName(name: string): string {
  const n = String(name);
  if (!TOKEN.test(n)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(n)}`);
  return n.toLowerCase();
}

function headerValue(value: string): string {
  const v = String(value).replace(EDGE_WHITESPACE, '');
  // As undici: a value may not hold NUL, CR or LF (what would split a header on the wire).
  if (/[\0\r\n]/.test(v)) throw new TypeError('Headers: invalid header value');
  return v;
}

type HeaderInit = Iterable<readonly [string, string]> | Record<string, string | readonly string[]>;

export class LeanHeaders {
  readonly #values = new Map<string, string[]>();

  constructor(init?: HeaderInit | null) {
    if (!lean) return new globalThis.Headers(init as ConstructorParameters<typeof Headers>[0]) as unknown as LeanHeaders;
    if (init == null) return;
    if (typeof (init as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<readonly [string, string]>) {
        if (pair.length !== 2) throw new TypeError('Headers: each header needs a name and a value');
        this.append(pair[0], pair[1]);
      }
    } else {
      for (const [k, v] of Object.entries(init as Record<string, string | readonly string[]>)) this.append(k, String(v));
    }
  }

  static [Symbol.hasInstance](v: unknown): boolean {
    return (typeof v === 'object' && v !== null && #values in v) || isReal(v, 'Headers');
  }

  append(name: string, value: string): void {
    const n = headerName(name);
    const list = this.#values.get(n);
    if (list) list.push(headerValue(value));
    else this.#values.set(n, [headerValue(value)]);
  }

  set(name: string, value: string): void {
    this.#values.set(headerName(name), [headerValue(value)]);
  }

  delete(name: string): void {
    this.#values.delete(headerName(name));
  }

  has(name: string): boolean {
    return this.#values.has(headerName(name));
  }

  get(name: string): string | null {
    return this.#values.get(headerName(name))?.join(', ') ?? null;
  }

  getSetCookie(): string[] {
    return [...(this.#values.get('set-cookie') ?? [])];
  }

  /** As the Fetch standard: names sorted and lower-cased, values joined by ", " except set-cookie's. */
  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.#values.keys()].sort()) {
      const list = this.#values.get(name)!;
      if (name === 'set-cookie') for (const v of list) yield [name, v];
      else yield [name, list.join(', ')];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, name: string, headers: LeanHeaders) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }
}

type LeanBody = string | Uint8Array | null;

interface BodyInit {
  status?: number;
  statusText?: string;
  headers?: HeaderInit | LeanHeaders | Headers;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Reading a body, once, as the Fetch standard's Body mixin does. */
abstract class LeanBodyHolder {
  #body: LeanBody;
  #used = false;

  constructor(body: LeanBody) {
    this.#body = body;
  }

  /** What was given (a string or bytes), not a stream: hono only passes it on to a new Response. */
  get body(): LeanBody {
    return this.#body;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  // As the standard: a null body is never "used", reading it again gives nothing again.
  #take(): LeanBody {
    if (this.#body === null) return null;
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#body;
  }

  // A body read twice rejects, as a real one does, rather than throwing.
  text(): Promise<string> {
    return new Promise((resolve) => {
      const b = this.#take();
      resolve(b === null ? '' : typeof b === 'string' ? b : decoder.decode(b));
    });
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return new Promise((resolve) => {
      const b = this.#take();
      resolve((b === null ? new Uint8Array(0) : typeof b === 'string' ? encoder.encode(b) : b.slice()).buffer);
    });
  }
}

const leanBody = (body: unknown): body is LeanBody | undefined => body == null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
const asLeanBody = (body: LeanBody | ArrayBuffer | undefined): LeanBody => (body === undefined ? null : body instanceof ArrayBuffer ? new Uint8Array(body.slice(0)) : body);

export class LeanResponse extends LeanBodyHolder {
  // Assigned in lean mode; otherwise the constructor returns a real Response instead of this.
  readonly status!: number;
  readonly statusText!: string;
  readonly headers!: LeanHeaders;

  constructor(body?: unknown, init: BodyInit = {}) {
    if (!lean || !leanBody(body)) {
      // super() first is what a derived class must do; what is returned replaces it.
      super(null);
      return new globalThis.Response(body as ConstructorParameters<typeof Response>[0], init as ResponseInit) as unknown as LeanResponse;
    }
    super(asLeanBody(body));
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    this.status = status;
    this.statusText = init.statusText ?? '';
    this.headers = new LeanHeaders(init.headers as HeaderInit | undefined);
    if (typeof body === 'string' && !this.headers.has('content-type')) this.headers.set('content-type', 'text/plain;charset=UTF-8');
  }

  static override [Symbol.hasInstance](v: unknown): boolean {
    return v instanceof LeanBodyHolder ? !(v instanceof LeanRequest) : isReal(v, 'Response');
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get type(): 'default' {
    return 'default';
  }

  get url(): string {
    return '';
  }

  get redirected(): boolean {
    return false;
  }

  clone(): LeanResponse {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    return new LeanResponse(this.body, this);
  }
}

/** The in-process transport's request: what hono and the sandbox read of one (url, method, headers, body). */
export class LeanRequest extends LeanBodyHolder {
  readonly url: string;
  readonly method: string;
  readonly headers: LeanHeaders;

  constructor(url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    super(init.body ?? null);
    this.url = url;
    this.method = init.method;
    this.headers = new LeanHeaders(init.headers);
    // A real Request gives its body as a stream and no length; this one has the length, which is
    // what hono's body limit reads first, so it never needs the stream.
    if (init.body !== undefined && !this.headers.has('content-length')) this.headers.set('content-length', String(encoder.encode(init.body).length));
  }
}
