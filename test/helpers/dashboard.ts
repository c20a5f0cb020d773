// A sandbox served over HTTP (`paystrator-gitops sandbox --port 0`) and its dashboard page open in
// Chromium, for the browser tests of the page's views. Everything the API answers and every page
// error is captured for the canary scan; a page error also fails the test that reads `errors`.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../helpers/browser.mjs';
import { capture, serveSandbox, tempDir, type ServedSandbox } from './cli.js';

export const RW = 'psk_sandbox_rw_0000000000000000';

export interface Dashboard {
  sandbox: ServedSandbox;
  context: BrowserContext;
  page: Page;
  /** Page errors (uncaught exceptions in the page's script). */
  errors: string[];
  /** The API with the read-write key, as another client (the CLI, a colleague) would call it. */
  call<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: T; etag: string | null }>;
  /** A GET with another key (one the page created, say): the answer's status. */
  statusWith(key: string, path: string): Promise<number>;
  /** The page at `/${hash}`, after its first load. */
  open(hash?: string): Promise<void>;
  close(): Promise<void>;
}

export async function openDashboard(name: string, extraArgs: string[] = []): Promise<Dashboard> {
  // Resolved first: without a browser the suite fails here, saying what to install.
  const launch = await chromiumLaunchOptions();
  const sandbox = await serveSandbox(extraArgs);
  const log: string[] = [];
  const errors: string[] = [];
  let browser: BrowserContext;
  try {
    browser = await chromium.launchPersistentContext(await tempDir('chromium-'), launch);
  } catch (e) {
    await sandbox.stop();
    throw e;
  }
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => {
    errors.push(e.message);
    log.push(`pageerror: ${e.message}`);
  });
  return {
    sandbox,
    context: browser,
    page,
    errors,
    async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${RW}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      log.push(`${method} ${path} -> ${res.status} ${text}`);
      return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T, etag: res.headers.get('etag') };
    },
    async statusWith(key: string, path: string) {
      const res = await fetch(`${sandbox.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      log.push(`GET ${path} (another key) -> ${res.status}`);
      await res.body?.cancel();
      return res.status;
    },
    async open(hash = '') {
      await page.goto(`${sandbox.url}/${hash}`);
      await page.locator('#providers[aria-busy="false"]').waitFor({ state: 'attached' });
    },
    async close() {
      await browser.close();
      await sandbox.stop();
      await capture(`${name}: API answers and page errors`, log.join('\n'));
    },
  };
}
