// The sandbox's Provider Management page in a real browser (Chromium driven by playwright-core;
// which Chromium is test/helpers/browser.mjs's choice), against `paystrator-gitops sandbox` as a separate process, after the built
// CLI applied providers to it over HTTP. What a person does in the page is drift for the CLI.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoCanary, canaries, capture, runCli, serveSandbox, tempDir, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { chromiumLaunchOptions } from '../../helpers/browser.mjs';
import { REPO_ROOT } from '../../helpers/paths.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const RO = 'psk_sandbox_ro_0000000000000000';

const bcaYaml = `# yaml-language-server: $schema=${REPO_ROOT}/schemas/provider.schema.json
apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: BCA Direct
spec:
  type: DIRECT
  integration: bca
  services: [VIRTUAL_ACCOUNT, SEND_MONEY]
  credentials:
    clientKey: bca-client-7f3a
    clientSecret: { secretRef: { store: env, name: BCA_CLIENT_SECRET } }
    corporateId: KBBCAID001
    companyCode: "10234"
    apiSecret: { secretRef: { store: env, name: BCA_API_SECRET } }
  fee: { type: FLAT, amount: 4000, currency: IDR }
  tax: { vatPercent: "11", applyVat: true }
  status: ACTIVE
`;

interface LiveProvider {
  id: string;
  name: string;
  status: string;
  statusChangedBy: string;
  version: number;
  fee: Record<string, string>;
  tax: { vatPercent: string; applyVat: boolean };
  labels: Record<string, string>;
  credentials: Record<string, unknown>;
}

describe('the sandbox dashboard page, in chromium', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  let browser: BrowserContext;
  let page: Page;
  const responses: string[] = [];

  const live = async (name: string): Promise<LiveProvider> => {
    const res = await fetch(`${sandbox.url}/v1/providers?q=${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${RO}` } });
    const text = await res.text();
    responses.push(text);
    const found = (JSON.parse(text) as { data: LiveProvider[] }).data.find((p) => p.name === name);
    if (!found) throw new Error(`${name} is not in the sandbox`);
    return found;
  };

  /** The page's status line: it changes once the table shows the answer for the current filters. */
  const summary = async (expected: string): Promise<void> => {
    await page.waitForFunction((text) => document.querySelector('#summary')?.textContent === text, expected);
  };
  const rowNames = (): Promise<string[]> => page.locator('#providers tbody tr[data-provider-name]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-provider-name') ?? ''));
  const row = (name: string) => page.locator(`#providers tbody tr[data-provider-name="${name}"]`);
  const fieldLabels = (): Promise<string[]> => page.locator('#add-credentials .cred-fields label').allTextContents();

  beforeAll(async () => {
    // Resolved first: without a browser the suite fails here, saying what to install.
    const launch = await chromiumLaunchOptions();
    sandbox = await serveSandbox();
    const [a, b, c, d] = canaries() as [string, string, string, string];
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: a, OTHER_SECRET: b, BCA_CLIENT_SECRET: c, BCA_API_SECRET: d };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/xendit-main.yaml': providerYaml({ name: 'Xendit Main', services: ['VIRTUAL_ACCOUNT', 'EWALLET'] }),
      'providers/xendit-qris.yaml': providerYaml({ name: 'Xendit QRIS', services: ['QR_CODE'], secretVar: 'OTHER_SECRET' }),
      'providers/xendit-cards.yaml': providerYaml({ name: 'Xendit Cards', services: ['CREDIT_CARD'], status: 'INACTIVE' }),
      'providers/bca.yaml': bcaYaml,
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stderr).toBe(0);

    browser = await chromium.launchPersistentContext(await tempDir('chromium-'), launch);
    page = browser.pages()[0] ?? (await browser.newPage());
    // A script error in the page is a test failure, not a silent half-working page.
    page.on('pageerror', (e) => responses.push(`pageerror: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
    await capture('dashboard: API answers and page errors', responses.join('\n'));
  });

  it('shows the providers an apply created, each marked as managed by git', async () => {
    await page.goto(`${sandbox.url}/`);
    await summary('4 providers.');
    expect((await rowNames()).sort()).toEqual(['BCA Direct', 'Xendit Cards', 'Xendit Main', 'Xendit QRIS']);
    for (const name of await rowNames()) expect(await row(name).locator('.git-badge').count(), name).toBe(1);
    expect(await row('Xendit Cards').locator('td[data-status] .badge').textContent()).toBe('Inactive');
    expect(await row('BCA Direct').locator('td[data-status] .badge').textContent()).toBe('Active');
    expect(await row('BCA Direct').locator('td').first().textContent()).toBe('DIRECT');
    expect(await row('BCA Direct').textContent()).toContain('Rp4.000');
    expect(await page.locator('#company').textContent()).toBe('Dummy Company');

    const html = await page.content();
    await capture('dashboard: page after apply', html);
    assertNoCanary(html, 'the dashboard page');
    expect(responses.filter((r) => r.startsWith('pageerror'))).toEqual([]);
  });

  it('narrows the table by search, service and status, and keeps the filters in the URL', async () => {
    await page.fill('#filter-q', 'xendit');
    await summary('3 providers matching "xendit".');
    expect((await rowNames()).sort()).toEqual(['Xendit Cards', 'Xendit Main', 'Xendit QRIS']);

    await page.selectOption('#filter-service', 'QR_CODE');
    await summary('1 provider matching "xendit", offering QR Code.');
    expect(await rowNames()).toEqual(['Xendit QRIS']);
    expect(new URL(page.url()).search).toBe('?q=xendit&service=QR_CODE');

    await page.fill('#filter-q', '');
    await page.selectOption('#filter-service', '');
    await page.selectOption('#filter-status', 'INACTIVE');
    await summary('1 provider with status Inactive.');
    expect(await rowNames()).toEqual(['Xendit Cards']);

    // A URL with filters opens the page filtered, with the controls showing them.
    await page.goto(`${sandbox.url}/?service=VIRTUAL_ACCOUNT&status=ACTIVE`);
    await summary('2 providers offering Virtual Account, with status Active.');
    expect((await rowNames()).sort()).toEqual(['BCA Direct', 'Xendit Main']);
    expect(await page.inputValue('#filter-service')).toBe('VIRTUAL_ACCOUNT');
    expect(await page.inputValue('#filter-status')).toBe('ACTIVE');

    await page.selectOption('#filter-status', 'MAINTENANCE');
    await summary('0 providers offering Virtual Account, with status Maintenance.');
    expect(await page.locator('#providers tbody td.empty').textContent()).toBe('No provider matches these filters.');
  });

  it('marks a provider under maintenance from the keyboard, as USER, which plan then wants to undo', async () => {
    const before = await live('Xendit Main');
    expect(before).toMatchObject({ status: 'ACTIVE', statusChangedBy: 'API' });
    await page.goto(`${sandbox.url}/`);
    await summary('4 providers.');

    await page.focus('button[aria-label="Actions for Xendit Main"]');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('button[aria-label="Actions for Xendit Main"]', 'aria-expanded')).toBe('true');
    expect(await page.locator('[role="menu"] [role="menuitem"]').allTextContents()).toEqual(['Deactivate', 'Mark as under maintenance', 'Edit fee…', 'Edit credentials…']);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Deactivate');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Mark as under maintenance');
    await page.keyboard.press('Enter');

    await summary('Xendit Main is under maintenance. 4 providers.');
    expect(await row('Xendit Main').locator('td[data-status] .badge').textContent()).toBe('Maintenance');
    expect(await row('Xendit Main').locator('td[data-status] .sub').allTextContents()).toEqual(['by a user:', 'Marked as under maintenance in the dashboard']);
    // Focus comes back to the row's menu button, so a keyboard user keeps their place.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Actions for Xendit Main');

    const after = await live('Xendit Main');
    expect(after).toMatchObject({ status: 'MAINTENANCE', statusChangedBy: 'USER', version: before.version + 1 });

    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('~ update Xendit Main');
    expect(plan.stdout).toContain('spec.status: "MAINTENANCE" -> "ACTIVE"');
  });

  it('is drift: `drift --detailed-exitcode` exits 2 and names the provider changed in the page', async () => {
    const drift = await runCli(['drift', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(drift.code, `${drift.stdout}\n${drift.stderr}`).toBe(2);
    expect(drift.stdout).toContain('Xendit Main');
  });

  it('edits a fee with PATCH and If-Match, and refuses to overwrite a change made meanwhile', async () => {
    const before = await live('Xendit QRIS');
    await page.click('button[aria-label="Actions for Xendit QRIS"]');
    await page.click('[role="menuitem"]:has-text("Edit fee")');
    await page.locator('#fee-dialog[open]').waitFor();
    expect(await page.inputValue('#fee-percent')).toBe('1.5');
    await page.fill('#fee-percent', '2.25');
    await page.click('#fee-form button[type="submit"]');
    await summary('Fee of Xendit QRIS saved. 4 providers.');
    expect(await row('Xendit QRIS').locator('td').nth(2).textContent()).toBe('2.25%VAT 11%');
    const saved = await live('Xendit QRIS');
    expect(saved).toMatchObject({ fee: { type: 'PERCENTAGE', percent: '2.25' }, statusChangedBy: 'API', version: before.version + 1 });

    // Someone else changes the provider while the dialog is open: the page's If-Match no longer matches.
    await page.click('button[aria-label="Actions for Xendit QRIS"]');
    await page.click('[role="menuitem"]:has-text("Edit fee")');
    await page.locator('#fee-dialog[open]').waitFor();
    const patch = await fetch(`${sandbox.url}/v1/providers/${saved.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', 'if-match': `"${saved.version}"` },
      body: JSON.stringify({ tax: { vatPercent: '12', applyVat: true } }),
    });
    expect(patch.status).toBe(200);
    await page.fill('#fee-percent', '3');
    await page.click('#fee-form button[type="submit"]');
    const error = page.locator('#fee-form .form-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('Xendit QRIS changed since this dialog opened, so nothing was saved.');
    expect(await live('Xendit QRIS')).toMatchObject({ fee: { percent: '2.25' }, tax: { vatPercent: '12' }, version: saved.version + 1 });

    // A value the API rejects is shown beside its field.
    await page.click('#fee-form [data-close]');
    await page.click('button[aria-label="Actions for Xendit QRIS"]');
    await page.click('[role="menuitem"]:has-text("Edit fee")');
    await page.locator('#fee-dialog[open]').waitFor();
    await page.fill('#fee-percent', '150');
    await page.click('#fee-form button[type="submit"]');
    await page.locator('#fee-percent[aria-invalid="true"]').waitFor();
    expect(await page.locator('#fee-form .field-error').textContent()).toBe('must be between 0 and 100 (got 150)');
    await page.keyboard.press('Escape');
    await page.locator('#fee-dialog:not([open])').waitFor({ state: 'attached' });
  });

  it('shows the add form with the fields of the chosen integration, and creates a provider as USER', async () => {
    await page.click('#add-provider');
    await page.locator('#add-dialog[open]').waitFor();

    await page.selectOption('#add-type', 'AGGREGATOR');
    await page.selectOption('#add-integration', 'xendit');
    expect(await fieldLabels()).toEqual(['Client key', 'Client secret', 'Webhook verification token (optional)']);
    expect(await page.locator('#add-services label').allTextContents()).toEqual(['Virtual Account', 'QR Code', 'E-Wallet', 'Credit Card', 'Send Money']);
    expect(await page.getAttribute('#cred-clientSecret', 'type')).toBe('password');
    expect(await page.getAttribute('#cred-webhookVerificationToken', 'type')).toBe('password');
    expect(await page.getAttribute('#cred-clientKey', 'type')).toBe('text');

    await page.selectOption('#add-type', 'DIRECT');
    expect(await page.locator('#add-integration option').allTextContents()).not.toContain('Xendit');
    await page.selectOption('#add-integration', 'bca');
    expect(await fieldLabels()).toEqual(['Client key', 'Client secret', 'Corporate ID', 'Company code', 'API secret']);
    expect(await page.locator('#add-services label').allTextContents()).toEqual(['Virtual Account', 'Send Money']);
    expect(await page.getAttribute('#cred-apiSecret', 'type')).toBe('password');

    const [secretA, secretB] = canaries() as [string, string];
    await page.fill('#add-name', 'BCA From Dashboard');
    await page.check('#add-services input[value="VIRTUAL_ACCOUNT"]');
    await page.fill('#cred-clientKey', 'bca-client-9d2e');
    await page.fill('#cred-clientSecret', secretA);
    await page.fill('#cred-corporateId', 'KBBCAID002');
    await page.fill('#cred-companyCode', '12');
    await page.fill('#cred-apiSecret', secretB);
    await page.click('#add-form button[type="submit"]');
    // The API's per-field error lands on the field; no secret comes back in it.
    await page.locator('#cred-companyCode[aria-invalid="true"]').waitFor();
    expect(await page.locator('#add-form .form-error').textContent()).toBe('Not added: 1 field needs attention.');
    expect(await page.locator('#add-form .field-error').textContent()).toContain('must match pattern');

    await page.fill('#cred-companyCode', '10235');
    await page.click('#add-form button[type="submit"]');
    await summary('Added BCA From Dashboard. 5 providers.');
    expect(await row('BCA From Dashboard').locator('.git-badge').count()).toBe(0);
    // The typed secrets do not outlive the dialog.
    expect(await page.inputValue('#cred-clientSecret')).toBe('');
    expect(await page.inputValue('#cred-apiSecret')).toBe('');

    const created = await live('BCA From Dashboard');
    expect(created).toMatchObject({
      statusChangedBy: 'USER',
      status: 'ACTIVE',
      fee: { type: 'PERCENTAGE', percent: '1.5' },
      credentials: { clientKey: 'bca-client-9d2e', companyCode: '10235', clientSecret: { masked: true, version: 1 }, apiSecret: { masked: true, version: 1 } },
    });

    const html = await page.content();
    await capture('dashboard: page after add', html);
    assertNoCanary(html, 'the dashboard page after adding a provider');
    const state = await readFile(sandbox.dataFile, 'utf8');
    for (const c of canaries()) expect(state).not.toContain(c);
    expect(responses.filter((r) => r.startsWith('pageerror'))).toEqual([]);
  });

  it('lets a user watch an apply land, without reloading', async () => {
    const url = page.url();
    await writeFile(path.join(dir, 'providers/xendit-late.yaml'), providerYaml({ name: 'Xendit Late', services: ['SEND_MONEY'] }));
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('1 created');

    // The apply also put back what the page changed: git wins, and the page shows it.
    await summary('6 providers.');
    await page.waitForFunction(() => document.querySelector('tr[data-provider-name="Xendit Main"] td[data-status] .badge')?.textContent === 'Active');
    expect(await row('Xendit Main').locator('td[data-status] .sub').allTextContents()).toEqual(['via the API:', 'declared in git (paystrator-gitops)']);
    expect(await row('Xendit Late').locator('.git-badge').count()).toBe(1);
    expect(await row('BCA From Dashboard').locator('.git-badge').count()).toBe(0);
    expect(page.url()).toBe(url);
  });
});
