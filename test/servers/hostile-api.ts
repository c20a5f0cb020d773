// A hostile Paystrator API: the real sandbox app behind a front that misbehaves the way an API, a
// gateway or a WAF might. It accepts a canary API key (the sandbox's own keys are public), and on
// demand: refuses every key with a 401 that quotes it, answers every write with a 422 whose
// problem quotes the request body and the Authorization header (with ANSI in its title), and shows
// stored providers under other names, so live names can hold control characters even when the
// sandbox itself refuses them.
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { createSandboxApp } from '../../src/sandbox/app.js';
import { openSandboxStore } from '../../src/sandbox/store/persistence.js';
import { SANDBOX_RW_KEY } from '../../src/sandbox/store/types.js';

export interface HostileModes {
  /** Every request gets a 401 whose detail quotes the Authorization header it was sent. */
  rejectKey?: boolean;
  /** Every write gets a 422 whose detail and field errors quote the request body and the key. */
  echoWrites?: boolean;
  /** The problem title of those answers (ANSI in it by default). */
  title?: string;
  /** Stored name -> the name every answer shows instead. */
  names?: Record<string, string>;
  /** Stored name -> other fields every answer shows for that provider (a status reason, labels). */
  fields?: Record<string, Record<string, unknown>>;
}

export interface HostileApi {
  url: string;
  modes: HostileModes;
  /** Requests answered, by kind, for the test's own assertions (never a body or a key). */
  log: string[];
  stop(): Promise<void>;
}

const problem = (status: number, title: string, detail: string, errors?: { path: string; message: string }[]) =>
  new Response(JSON.stringify({ type: 'https://paystrator.example/problems/hostile', title, status, detail, ...(errors ? { errors } : {}) }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

/** Rewrites a provider or a page of providers as `names` and `fields` say. */
function rewrite(body: unknown, names: Record<string, string>, fields: Record<string, Record<string, unknown>>): unknown {
  const one = (p: unknown) => {
    if (p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string') {
      const name = (p as { name: string }).name;
      if (fields[name]) Object.assign(p, fields[name]);
      if (names[name] !== undefined) (p as { name: string }).name = names[name];
    }
  };
  if (body && typeof body === 'object' && Array.isArray((body as { data?: unknown }).data)) (body as { data: unknown[] }).data.forEach(one);
  else one(body);
  return body;
}

export async function startHostileApi(apiKey: string, modes: HostileModes = {}): Promise<HostileApi> {
  const store = await openSandboxStore();
  const sandbox = createSandboxApp({ store });
  const log: string[] = [];
  const api: HostileApi = { url: '', modes, log, stop: async () => undefined };

  const fetch = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const auth = req.headers.get('authorization') ?? '';
    const m = api.modes;
    if (m.rejectKey || auth !== `Bearer ${apiKey}`) {
      log.push(`401 ${req.method} ${url.pathname}`);
      return problem(401, 'Unauthorized', `the API key in "Authorization: ${auth}" is not valid for this company`);
    }
    if (m.echoWrites && req.method !== 'GET') {
      const body = await req.text();
      log.push(`422 ${req.method} ${url.pathname}`);
      return problem(422, m.title ?? '\x1b[31mValidation\x1b[2J failed\x1b]0;pwned\x07', `rejected ${body} (sent with Authorization: ${auth})`, [
        { path: 'credentials', message: `cannot store ${body}` },
      ]);
    }
    const headers = new Headers(req.headers);
    headers.set('authorization', `Bearer ${SANDBOX_RW_KEY}`);
    const init: RequestInit = { method: req.method, headers };
    if (req.method !== 'GET' && req.method !== 'HEAD') init.body = await req.text();
    const res = await sandbox.fetch(new Request(req.url, init));
    log.push(`${res.status} ${req.method} ${url.pathname}`);
    if ((!m.names && !m.fields) || !url.pathname.startsWith('/v1/providers') || !(res.headers.get('content-type') ?? '').includes('json')) return res;
    const renamed = JSON.stringify(rewrite(await res.json(), m.names ?? {}, m.fields ?? {}));
    const out = new Headers(res.headers);
    out.delete('content-length');
    return new Response(renamed, { status: res.status, headers: out });
  };

  const server = createAdaptorServer({ fetch, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  api.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  api.stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return api;
}
