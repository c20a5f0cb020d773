// The floor of an apply: the same create requests as a saved plan holds, sent by a bare
// undici.request loop at the same concurrency, with no planning, retries or bookkeeping.
import { readFileSync } from 'node:fs';
import { request } from 'undici';

const [planFile, url, key, concurrencyArg] = process.argv.slice(2) as [string, string, string, string];
interface CreateOp { kind: 'create'; idempotencyKey: string; body: { credentials?: Record<string, string> }; secrets: Record<string, { ref: { name: string } }> }
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { changes: { operations: CreateOp[] }[] };
const bodies = plan.changes.flatMap((c) => c.operations).map((op) => {
  const credentials = { ...op.body.credentials };
  for (const [f, b] of Object.entries(op.secrets)) credentials[f] = process.env[b.ref.name] ?? '';
  return { key: op.idempotencyKey, body: JSON.stringify({ ...op.body, credentials }) };
});
let next = 0;
let ok = 0;
const worker = async () => {
  while (next < bodies.length) {
    const b = bodies[next++]!;
    const res = await request(`${url}/v1/providers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': b.key },
      body: b.body,
    });
    await res.body.dump();
    if (res.statusCode === 201) ok++;
  }
};
await Promise.all(Array.from({ length: Number(concurrencyArg) }, worker));
process.stdout.write(JSON.stringify({ created: ok, requests: bodies.length }) + '\n');
