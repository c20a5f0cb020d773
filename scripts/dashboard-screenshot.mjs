// Regenerates docs/sandbox-dashboard.png, the README's picture of the sandbox's Provider Management
// page: the repo's example providers applied over HTTP, then drift made by hand in the page itself
// (one provider put under maintenance, one added outside git). Needs `npm run build`; the browser
// is the tests' (test/helpers/browser.mjs: Debian's chromium, else @sparticuz/chromium's).
// Run: node scripts/dashboard-screenshot.mjs
/* global document -- used only in functions that run in the page */
import { spawn, execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../test/helpers/browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin/paystrator-gitops.js');
const out = path.join(root, 'docs/sandbox-dashboard.png');
const work = await mkdtemp(path.join(os.tmpdir(), 'dashboard-shot-'));

const sandbox = spawn(process.execPath, [cli, 'sandbox', '--port', '0', '--data', path.join(work, 'sandbox.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
let browser;
try {
  const url = await new Promise((resolve, reject) => {
    let log = '';
    sandbox.stdout.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) resolve(m[1]);
    });
    sandbox.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });

  const ws = path.join(work, 'ws');
  for (const p of ['providers', 'secrets', 'schemas', 'paystrator.yaml']) await cp(path.join(root, p), path.join(ws, p), { recursive: true });
  const config = path.join(ws, 'paystrator.yaml');
  await writeFile(config, (await readFile(config, 'utf8')).replace('http://127.0.0.1:4010', url));
  await promisify(execFile)(process.execPath, [cli, 'apply', '--env', 'local', '--auto-approve'], { cwd: ws });

  browser = await chromium.launchPersistentContext(path.join(work, 'profile'), { ...(await chromiumLaunchOptions()), viewport: { width: 1280, height: 720 } });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const summary = (text) => page.waitForFunction((t) => document.querySelector('#summary')?.textContent?.startsWith(t), text);
  await page.goto(`${url}/`);
  await summary('5 providers');

  await page.click('button[aria-label="Actions for OVO"]');
  await page.click('[role="menuitem"]:has-text("Mark as under maintenance")');
  await summary('OVO is under maintenance');

  await page.click('#add-provider');
  await page.selectOption('#add-type', 'AGGREGATOR');
  await page.selectOption('#add-integration', 'flip');
  await page.fill('#add-name', 'Flip Payouts');
  await page.check('#add-services input[value="SEND_MONEY"]');
  await page.fill('#cred-clientKey', 'flip-key-31c9');
  await page.fill('#cred-clientSecret', 'fake-sandbox-flip-secret');
  await page.fill('#cred-validationToken', 'fake-sandbox-flip-token');
  await page.check('#add-form input[name="feeType"][value="FLAT"]');
  await page.fill('#add-amount', '2500');
  await page.click('#add-form button[type="submit"]');
  await summary('Added Flip Payouts');

  await page.click('button[aria-label="Actions for DANA QRIS"]');
  await page.screenshot({ path: out, fullPage: true });
  console.log(`${path.relative(root, out)}: ${(await stat(out)).size} bytes`);
} finally {
  await browser?.close();
  sandbox.kill('SIGTERM');
  await new Promise((resolve) => (sandbox.exitCode === null ? sandbox.once('exit', resolve) : resolve()));
  await rm(work, { recursive: true, force: true });
}
