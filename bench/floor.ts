// Case 4, the floor of a no-op plan: what a naive tool cannot avoid — a bare yaml.parse of every
// file and one paginated list of the live providers. Run as its own process.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import YAML from 'yaml';

const [dir, url, key] = process.argv.slice(2) as [string, string, string];
const files = readdirSync(path.join(dir, 'providers')).filter((f) => f.endsWith('.yaml'));
let parsed = 0;
for (const f of files) if (YAML.parse(readFileSync(path.join(dir, 'providers', f), 'utf8'))) parsed++;
let cursor: string | null = null;
let live = 0;
let requests = 0;
do {
  const q: string = `limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
  const res = await request(`${url}/v1/providers?${q}`, { headers: { authorization: `Bearer ${key}` } });
  requests++;
  const body = (await res.body.json()) as { data: unknown[]; nextCursor: string | null };
  live += body.data.length;
  cursor = body.nextCursor;
} while (cursor && requests < 10_000);
process.stdout.write(JSON.stringify({ parsed, live, requests }) + '\n');
