// The suite-wide canary scan (global-setup.ts runs it after the whole suite), as a function so a
// test can prove it finds a leak in a folder of its own. Besides the canaries fixed at the start
// of the run, it looks for dynamic ones: values only known once a test made them (an API key's
// value from its sink, a webhook verification token from the sandbox state), registered by
// `registerCanaries` (helpers/cli.ts) in files under <runDir>/canaries/.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** Where registered dynamic canaries are kept, one per line, under the run folder. */
export const DYNAMIC_CANARY_DIR = 'canaries';
/** Shorter values could appear by chance (or be a key's public prefix): refuse them. */
export const MIN_DYNAMIC_CANARY = 16;
/**
 * Files the tests wrote on purpose to hold secrets (a store's own data, a sandbox state file,
 * the canary registry itself) carry `.secret` in their name and are not scanned.
 */
export const isSecretHolder = (file: string) => path.basename(file).includes('.secret');

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (entry.isFile()) yield p;
  }
}

/** The dynamic canaries registered under `runDir` so far, by any test process. */
export async function dynamicCanaries(runDir: string): Promise<string[]> {
  const out = new Set<string>();
  for await (const file of walk(path.join(runDir, DYNAMIC_CANARY_DIR))) {
    for (const line of (await readFile(file, 'utf8')).split('\n')) if (line.length >= MIN_DYNAMIC_CANARY) out.add(line);
  }
  return [...out];
}

export interface ScanResult {
  scanned: number;
  /** One line per file that holds a canary, relative to the run folder. */
  leaks: string[];
}

export async function scanForCanaries(runDir: string, fixed: readonly string[]): Promise<ScanResult> {
  const canaries = [...fixed, ...(await dynamicCanaries(runDir))];
  const leaks: string[] = [];
  let scanned = 0;
  for await (const file of walk(runDir)) {
    if (isSecretHolder(file)) continue;
    if ((await stat(file)).size > 50_000_000) continue;
    const text = await readFile(file, 'latin1');
    scanned += 1;
    if (canaries.some((c) => text.includes(c))) leaks.push(`${path.relative(runDir, file)} contains a canary secret`);
  }
  return { scanned, leaks };
}

/**
 * The values a sandbox state file holds on purpose: the webhook verification token, and each key
 * create's answer kept for its replay (value included). Registered as canaries, no output may show them.
 */
export function sandboxStateCanaries(stateText: string): string[] {
  const state = JSON.parse(stateText) as { webhooks?: { token?: { value?: unknown } }; apiKeyIdempotency?: Array<{ body?: { value?: unknown } }> };
  const values = [state.webhooks?.token?.value, ...(state.apiKeyIdempotency ?? []).map((r) => r.body?.value)];
  return values.filter((v): v is string => typeof v === 'string' && v.length >= MIN_DYNAMIC_CANARY);
}
