// A company's webhook endpoint, on 127.0.0.1: it answers each delivery with the status its path
// asks for (/ok -> 200, /fail -> 500, /status/NNN -> NNN) and records what it received, so a test
// can point a service's URL at it and see the sandbox's Test & Save delivery arrive.
import { serveLocal, type LocalServer } from './harness.js';

export interface WebhookReceiver extends LocalServer {
  /** A URL of this receiver answering `status`. */
  urlFor(status: number): string;
  /** Deliveries so far: path, and whether they carried the signature header. */
  readonly deliveries: { path: string; signed: boolean }[];
}

export async function serveWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: { path: string; signed: boolean }[] = [];
  const server = await serveLocal('webhook receiver', (call) => {
    deliveries.push({ path: call.path, signed: typeof call.headers['x-paystrator-signature'] === 'string' });
    const m = /^\/status\/(\d{3})$/.exec(call.path);
    const status = m ? Number(m[1]) : call.path === '/fail' ? 500 : 200;
    return { status, body: status < 300 ? { received: true } : { error: 'receiver says no' } };
  });
  return Object.assign(server, { deliveries, urlFor: (status: number) => `${server.url}/status/${status}` });
}
