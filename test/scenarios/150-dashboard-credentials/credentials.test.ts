// The provider row's "Edit credentials" in Chromium: the integration's fields, non-secret ones
// prefilled, secret ones empty password inputs that keep the value when left empty; a PATCH with
// If-Match that changes only what was typed, per-field errors, and no overwrite of a change made
// meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoCanary, canaries, capture } from '../../helpers/cli.js';
import { openDashboard, type Dashboard } from '../../helpers/dashboard.js';

interface Live {
  id: string;
  version: number;
  credentials: Record<string, string | { masked: true; version: number }>;
}

describe('Edit credentials, in chromium', () => {
  let d: Dashboard;
  let id: string;
  const [secretA, secretB, secretC] = canaries() as [string, string, string];

  const live = async (): Promise<Live> => (await d.call<Live>('GET', `/v1/providers/${id}`)).json;
  const openDialog = async (): Promise<void> => {
    await d.page.click('button[aria-label="Actions for BCA Direct"]');
    await d.page.click('[role="menuitem"]:has-text("Edit credentials")');
    await d.page.locator('#credentials-dialog[open]').waitFor();
  };
  const summary = (text: string) => d.page.locator('#summary', { hasText: text }).waitFor();

  beforeAll(async () => {
    d = await openDashboard('dashboard credentials');
    const created = await d.call<Live>('POST', '/v1/providers', {
      name: 'BCA Direct',
      type: 'DIRECT',
      integration: 'bca',
      services: ['VIRTUAL_ACCOUNT'],
      credentials: { clientKey: 'bca-client-7f3a', clientSecret: secretA, corporateId: 'KBBCAID001', companyCode: '10234', apiSecret: secretB },
      fee: { type: 'FLAT', amount: '4000', currency: 'IDR' },
      tax: { vatPercent: '11', applyVat: true },
    });
    expect(created.status).toBe(201);
    id = created.json.id;
  });

  afterAll(async () => {
    await d?.close();
  });

  it('shows the fields of the integration: plain ones prefilled, secrets hidden and empty', async () => {
    await d.open();
    await openDialog();
    expect(await d.page.locator('#credentials-form .cred-fields label').allTextContents()).toEqual(['Client key', 'Client secret', 'Corporate ID', 'Company code', 'API secret']);
    expect(await d.page.inputValue('#edit-cred-clientKey')).toBe('bca-client-7f3a');
    expect(await d.page.inputValue('#edit-cred-companyCode')).toBe('10234');
    for (const secret of ['#edit-cred-clientSecret', '#edit-cred-apiSecret']) {
      expect(await d.page.getAttribute(secret, 'type')).toBe('password');
      expect(await d.page.inputValue(secret)).toBe('');
      expect(await d.page.getAttribute(secret, 'required')).toBeNull();
    }
    expect(await d.page.locator('#credentials-form').textContent()).toContain('leave one empty to keep its current value');
    expect(await d.page.locator('#credentials-form .cred-fields').textContent()).toContain('Set (version 1,');
    // Focus is in the dialog, on its first field.
    expect(await d.page.evaluate('document.activeElement?.id')).toBe('edit-cred-clientKey');
    const html = await d.page.content();
    await capture('dashboard credentials: dialog open', html);
    assertNoCanary(html, 'the Edit credentials dialog');
  });

  it('saves a changed field and a new secret, keeps the secret left empty, and records it in the version', async () => {
    const before = await live();
    await d.page.fill('#edit-cred-clientKey', 'bca-client-9d2e');
    await d.page.fill('#edit-cred-clientSecret', secretC);
    await d.page.click('#credentials-form button[type="submit"]');
    await summary('Credentials of BCA Direct saved.');
    const after = await live();
    expect(after.version).toBe(before.version + 1);
    expect(after.credentials).toMatchObject({
      clientKey: 'bca-client-9d2e',
      companyCode: '10234',
      clientSecret: { masked: true, version: 2 },
      apiSecret: { masked: true, version: 1 },
    });
    // Focus is back on the row, and the typed secret is gone with the dialog.
    expect(await d.page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Actions for BCA Direct');
    expect(await d.page.locator('#credentials-form input').count()).toBe(0);
    assertNoCanary(await d.page.content(), 'the page after saving credentials');
  });

  it('shows a value the API rejects beside its field, and saves nothing', async () => {
    const before = await live();
    await openDialog();
    await d.page.fill('#edit-cred-companyCode', '12');
    await d.page.click('#credentials-form button[type="submit"]');
    await d.page.locator('#edit-cred-companyCode[aria-invalid="true"]').waitFor();
    expect(await d.page.locator('#credentials-form .form-error').textContent()).toBe('Not saved: 1 field needs attention.');
    expect(await d.page.locator('#credentials-form .field-error').textContent()).toContain('must match pattern');
    expect((await live()).version).toBe(before.version);
  });

  it('says so when nothing was changed', async () => {
    await d.page.click('#credentials-form [data-close]');
    await openDialog();
    await d.page.click('#credentials-form button[type="submit"]');
    expect(await d.page.locator('#credentials-form .form-error').textContent()).toBe('Not saved: nothing changed: edit a field, or type a new secret');
  });

  it('refuses to overwrite a change made while the dialog was open (412)', async () => {
    const current = await live();
    const other = await d.call('PATCH', `/v1/providers/${id}`, { credentials: { corporateId: 'KBBCAID009' } }, { 'if-match': `"${current.version}"` });
    expect(other.status).toBe(200);
    await d.page.fill('#edit-cred-apiSecret', secretA);
    await d.page.click('#credentials-form button[type="submit"]');
    await d.page.locator('#credentials-form .form-error', { hasText: 'BCA Direct changed since this dialog opened, so nothing was saved.' }).waitFor();
    expect((await live()).credentials).toMatchObject({ corporateId: 'KBBCAID009', apiSecret: { version: 1 } });
    await d.page.keyboard.press('Escape');
    await d.page.locator('#credentials-dialog:not([open])').waitFor({ state: 'attached' });
    expect(d.errors).toEqual([]);
  });
});
