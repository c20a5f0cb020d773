// Local servers that speak a foreign API's documented wire format, for store tests. Each binds
// 127.0.0.1 on a random port and keeps a request log (method, path, status and a note the server
// chooses: never a body or a credential), which `stop()` hands to capture() for the canary scan.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { capture } from '../helpers/cli.js';

export interface IncomingCall {
  method: string;
  /** The path as sent, not decoded (`:access` and %2F stay as they are). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless it is a string. */
  body?: unknown;
  /** Never answer (a store's timeout test). */
  hang?: boolean;
  /** What the request log says about this call, besides method, path and status. */
  note?: string;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  /** Every request so far, as logged. */
  readonly log: string[];
  stop(): Promise<void>;
}

const MAX_BODY = 1_000_000;

export async function serveLocal(name: string, handle: (call: IncomingCall) => Reply | Promise<Reply>): Promise<LocalServer> {
  const log: string[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(d);
    });
    req.on('end', () => {
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const call: IncomingCall = {
        method: req.method ?? 'GET',
        path: q < 0 ? raw : raw.slice(0, q),
        query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      void Promise.resolve()
        .then(() => handle(call))
        .catch((): Reply => ({ status: 500, body: { error: 'test server failure' }, note: 'handler threw' }))
        .then((reply) => {
          log.push(`${call.method} ${raw} -> ${reply.hang ? 'no answer' : reply.status}${reply.note ? ` ${reply.note}` : ''}`);
          if (reply.hang) return void hanging.add(res);
          const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers, 'content-length': String(Buffer.byteLength(body)) });
          res.end(body);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await capture(`${name} request log (127.0.0.1:${port})`, log.join('\n'));
    },
  };
}

/** A port nothing listens on: a server's, just stopped. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
