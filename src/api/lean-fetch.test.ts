import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { LeanHeaders, LeanRequest, LeanResponse, useLeanFetch } from './lean-fetch.js';
import { InProcessTransport } from './transport.js';

// The built CLI gives hono these classes in place of the globals (scripts/build.mjs): each lean
// object must answer as the real one does, for everything hono and the transport do with it.
useLeanFetch();

const pairs = (h: Iterable<[string, string]>) => [...h];

describe('lean Fetch classes answer as the real ones', () => {
  it('Headers: init forms, case, order, joined values, set-cookie, validation', () => {
    const inits: ConstructorParameters<typeof Headers>[0][] = [
      { 'Content-Type': 'application/json', ETag: '"v3"', 'x-b': '  padded  ' },
      [['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['Vary', 'Accept'], ['vary', 'Origin']],
      new Headers({ Zeta: '1', alpha: '2' }),
    ];
    for (const init of inits) {
      const real = new Headers(init);
      const lean = new LeanHeaders(init as never);
      expect(pairs(lean)).toEqual(pairs(real));
      for (const h of [real, lean]) {
        h.append('X-Multi', 'one');
        h.append('x-multi', 'two');
        h.set('ETag', '"v4"');
        h.delete('alpha');
      }
      expect(pairs(lean)).toEqual(pairs(real));
      expect(lean.get('X-MULTI')).toBe(real.get('X-MULTI'));
      expect(lean.get('absent')).toBe(real.get('absent'));
      expect(lean.has('etag')).toBe(real.has('etag'));
      expect(lean.getSetCookie()).toEqual(real.getSetCookie());
      const seen: string[][] = [[], []];
      real.forEach((v, k) => seen[0]!.push(`${k}=${v}`));
      lean.forEach((v, k) => seen[1]!.push(`${k}=${v}`));
      expect(seen[1]).toEqual(seen[0]);
      expect(pairs(new LeanHeaders(lean))).toEqual(pairs(new Headers(real)));
    }
    expect(() => new Headers({ 'bad name': 'x' })).toThrow(TypeError);
    expect(() => new LeanHeaders({ 'bad name': 'x' })).toThrow(TypeError);
    expect(() => new Headers({ x: 'a\nb' })).toThrow(TypeError);
    expect(() => new LeanHeaders({ x: 'a\nb' })).toThrow(TypeError);
  });

  it('Response: status, default content type, reading the body once, init from another response', async () => {
    const cases: [string | null, ResponseInit | undefined][] = [
      ['{"a":1}', { status: 201, headers: { 'Content-Type': 'application/json', ETag: '"1"' } }],
      ['plain', undefined],
      [null, { status: 204 }],
    ];
    for (const [body, init] of cases) {
      const real = new Response(body, init);
      const lean = new LeanResponse(body, init as never);
      expect([lean.status, lean.ok, lean.statusText, pairs(lean.headers)]).toEqual([real.status, real.ok, real.statusText, pairs(real.headers)]);
      const copy = new LeanResponse(lean.body, lean);
      expect([copy.status, pairs(copy.headers)]).toEqual([real.status, pairs(real.headers)]);
      expect(await lean.text()).toBe(await real.text());
      expect(lean.bodyUsed).toBe(real.bodyUsed);
      if (body === null) {
        expect([await lean.text(), lean.bodyUsed]).toEqual([await real.text(), real.bodyUsed]);
      } else {
        await expect(lean.text()).rejects.toThrow(TypeError);
        await expect(real.text()).rejects.toThrow(TypeError);
      }
    }
    expect(await new LeanResponse('{"x":[1]}').json()).toEqual({ x: [1] });
    expect(() => new Response('x', { status: 100 })).toThrow(RangeError);
    expect(() => new LeanResponse('x', { status: 100 })).toThrow(RangeError);
    expect(new LeanResponse('x')).toBeInstanceOf(LeanResponse);
    // What the sandbox gets from a real fetch stays a Response and its Headers to code given these classes.
    expect(new Response('x')).toBeInstanceOf(LeanResponse);
    expect(new Headers()).toBeInstanceOf(LeanHeaders);
    expect(new LeanHeaders()).not.toBeInstanceOf(LeanResponse);
  });

  it('a body that is not a string or bytes gets the real Response', async () => {
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('streamed')), c.close()) });
    const res = new LeanResponse(stream, { status: 202 });
    expect(res).toBeInstanceOf(globalThis.Response);
    expect([res.status, await res.text()]).toEqual([202, 'streamed']);
  });

  it('hono answers a lean request through the in-process transport, body limit included', async () => {
    const app = new Hono();
    app.use('*', bodyLimit({ maxSize: 16, onError: (c) => c.json({ error: 'too large' }, 413) }));
    app.post('/v1/echo', async (c) => c.json({ got: await c.req.json(), key: c.req.header('idempotency-key') }, 201, { ETag: '"7"' }));
    const transport = new InProcessTransport(app);
    const ok = await transport.send({ method: 'POST', path: '/v1/echo', headers: { 'Idempotency-Key': 'k1', 'Content-Type': 'application/json' }, body: '{"a":1}' });
    expect(ok).toEqual({ status: 201, headers: { 'content-type': 'application/json', etag: '"7"' }, body: '{"got":{"a":1},"key":"k1"}' });
    const big = await transport.send({ method: 'POST', path: '/v1/echo', headers: {}, body: JSON.stringify({ a: 'x'.repeat(20) }) });
    expect([big.status, big.body]).toEqual([413, '{"error":"too large"}']);
    const request = new LeanRequest('http://sandbox.invalid/v1/x', { method: 'POST', headers: {}, body: 'é' });
    expect(request.headers.get('content-length')).toBe('2');
  });
});
