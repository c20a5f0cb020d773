// Settings → Developers → API Keys in Chromium: the keys and their per-product capability; Create
// shows the new value once (Copy, a warning) and the value works; Edit permissions is an If-Match
// PATCH; Revoke asks first, is final, and the key is refused from then on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoCanary, capture } from '../../helpers/cli.js';
import { openDashboard, type Dashboard } from '../../helpers/dashboard.js';

interface LiveKey {
  id: string;
  name: string;
  prefix: string;
  permissions: Record<string, string>;
  status: string;
  version: number;
}

describe('API Keys, in chromium', () => {
  let d: Dashboard;
  let value = '';

  const liveKey = async (name: string): Promise<LiveKey> => {
    const found = (await d.call<{ data: LiveKey[] }>('GET', '/v1/api-keys?limit=1000')).json.data.find((k) => k.name === name);
    if (!found) throw new Error(`no key ${name}`);
    return found;
  };
  const row = (name: string) => d.page.locator(`#api-keys tbody tr[data-key-name="${name}"]`);
  const statusLine = (text: string) => d.page.locator('#keys-status', { hasText: text }).waitFor();

  beforeAll(async () => {
    d = await openDashboard('dashboard api keys');
    await d.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: d.sandbox.url });
  });

  afterAll(async () => {
    await d?.close();
  });

  it('lists the keys with their capability per product, under Settings → Developers', async () => {
    await d.open('#developers');
    await d.page.locator('#api-keys tbody tr[data-key-id]').first().waitFor();
    expect(await d.page.title()).toBe('Developers · Paystrator sandbox');
    expect(await d.page.locator('#dev-tabs [role="tab"]').allTextContents()).toEqual(['API Keys', 'IP Whitelist', 'Webhooks']);
    expect(await d.page.getAttribute('#dev-tabs [aria-selected="true"]', 'data-tab')).toBe('api-keys');
    expect(new URL(d.page.url()).hash).toBe('#developers/api-keys');
    const live = (await d.call<{ data: LiveKey[] }>('GET', '/v1/api-keys?limit=1000')).json.data;
    expect(await d.page.locator('#api-keys tbody tr[data-key-id]').count()).toBe(live.length);
    const first = live[0]!;
    expect(await row(first.name).locator('code').textContent()).toBe(`${first.prefix}…`);
    const va = first.permissions.VIRTUAL_ACCOUNT ?? 'NONE';
    const label = { NONE: 'None', READ: 'Read Only', WRITE: 'Write Only', READ_WRITE: 'Read & Write' }[va];
    expect(await row(first.name).locator('li[data-product="VIRTUAL_ACCOUNT"]').textContent()).toBe(`Virtual Account: ${label}`);
  });

  it('creates a key: its value is shown once, with Copy and a warning, and it works', async () => {
    await d.page.click('#key-create');
    await d.page.locator('#key-dialog[open]').waitFor();
    expect(await d.page.locator('#key-permissions label').allTextContents()).toEqual(expect.arrayContaining(['Virtual Account', 'Send Money']));
    expect(await d.page.locator('#perm-VIRTUAL_ACCOUNT option').allTextContents()).toEqual(['None', 'Read Only', 'Write Only', 'Read & Write']);
    await d.page.fill('#key-name', 'CI Deploy');
    await d.page.selectOption('#perm-VIRTUAL_ACCOUNT', 'READ_WRITE');
    await d.page.selectOption('#perm-SEND_MONEY', 'READ');
    await d.page.click('#key-submit');

    await d.page.locator('#key-value-dialog[open]').waitFor();
    expect(await d.page.textContent('#key-value-warning')).toContain('it will not be shown again');
    value = await d.page.inputValue('#key-value');
    const created = await liveKey('CI Deploy');
    expect(value.startsWith(created.prefix)).toBe(true);
    expect(created).toMatchObject({ status: 'ACTIVE', permissions: { VIRTUAL_ACCOUNT: 'READ_WRITE', SEND_MONEY: 'READ' } });
    await d.page.click('#key-copy');
    await d.page.locator('#key-copy-status', { hasText: 'Copied to the clipboard.' }).waitFor();
    expect(await d.page.evaluate('navigator.clipboard.readText()')).toBe(value);
    // Closed, the value is gone from the page, and the list never had it.
    await d.page.click('#key-value-dialog button[type="submit"]');
    await statusLine('Created CI Deploy.');
    // The status line said so while the dialog was still open; the field is emptied by the
    // dialog's close event, a task after the click: wait for it (bounded), then look.
    await d.page.locator('#key-value-dialog[open]').waitFor({ state: 'hidden' });
    await d.page.waitForFunction("document.querySelector('#key-value').value === ''", undefined, { timeout: 5000 }).catch(() => undefined);
    expect(await d.page.inputValue('#key-value')).toBe('');
    expect(await d.page.content()).not.toContain(value);
    expect(await row('CI Deploy').locator('li[data-product="SEND_MONEY"]').textContent()).toBe('Send Money: Read Only');
    expect(await d.statusWith(value, '/v1/providers')).toBe(200);
  });

  it('edits permissions with If-Match', async () => {
    const before = await liveKey('CI Deploy');
    await d.page.click('button[aria-label="Edit permissions of CI Deploy"]');
    await d.page.locator('#key-dialog[open]').waitFor();
    expect(await d.page.inputValue('#perm-VIRTUAL_ACCOUNT')).toBe('READ_WRITE');
    await d.page.selectOption('#perm-SEND_MONEY', 'NONE');
    await d.page.selectOption('#perm-EWALLET', 'WRITE');
    await d.page.click('#key-submit');
    await statusLine('Permissions of CI Deploy saved.');
    const after = await liveKey('CI Deploy');
    expect(after.version).toBe(before.version + 1);
    expect(after.permissions.VIRTUAL_ACCOUNT).toBe('READ_WRITE');
    expect(after.permissions.EWALLET).toBe('WRITE');
    expect(after.permissions.SEND_MONEY ?? 'NONE').toBe('NONE');
    expect(await row('CI Deploy').locator('li[data-product="EWALLET"]').textContent()).toBe('E-Wallet: Write Only');
  });

  it('revokes only after confirming, for good', async () => {
    await d.page.click('button[aria-label="Revoke CI Deploy"]');
    await d.page.locator('#confirm-dialog[open]').waitFor();
    expect(await d.page.textContent('#confirm-text')).toContain('Revoking is final');
    expect(await d.page.evaluate('document.activeElement?.id')).toBe('confirm-cancel');
    await d.page.keyboard.press('Enter');
    await d.page.locator('#confirm-dialog:not([open])').waitFor({ state: 'attached' });
    expect((await liveKey('CI Deploy')).status).toBe('ACTIVE');

    await d.page.click('button[aria-label="Revoke CI Deploy"]');
    await d.page.click('#confirm-ok');
    await statusLine('CI Deploy is revoked.');
    expect(await row('CI Deploy').getAttribute('data-status')).toBe('REVOKED');
    expect(await row('CI Deploy').locator('.badge').textContent()).toBe('Revoked');
    expect(await row('CI Deploy').locator('button').count()).toBe(0);
    expect((await liveKey('CI Deploy')).status).toBe('REVOKED');
    expect(await d.statusWith(value, '/v1/providers')).toBe(401);

    const html = await d.page.content();
    await capture('dashboard api keys: page', html);
    assertNoCanary(html, 'the API Keys tab');
    expect(d.errors).toEqual([]);
  });
});
