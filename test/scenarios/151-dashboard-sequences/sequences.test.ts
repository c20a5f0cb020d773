// Providers → Sequence Management in Chromium: a tab per product, the default and custom
// destinations, the providers in routing order with their status (MAINTENANCE skipped at routing),
// who changed the order last, reordering from the keyboard, Save as a PUT with If-Match, and a
// change made meanwhile reloaded rather than overwritten.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, assertNoCanary } from '../../helpers/cli.js';
import { openDashboard, type Dashboard } from '../../helpers/dashboard.js';

interface LiveSequence {
  providers: { id: string; name: string; status: string }[];
  version: number;
  updatedAt: string | null;
  updatedBy?: string | null;
}

describe('Sequence Management, in chromium', () => {
  let d: Dashboard;
  const ids: Record<string, string> = {};

  const names = (): Promise<string[]> => d.page.locator('#seq-list li[data-provider-name]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-provider-name') ?? ''));
  const liveVa = async (dest = ''): Promise<LiveSequence> => (await d.call<LiveSequence>('GET', `/v1/sequences/VIRTUAL_ACCOUNT${dest ? `/${dest}` : ''}`)).json;
  const statusLine = (text: string) => d.page.locator('#seq-status', { hasText: text }).waitFor();

  beforeAll(async () => {
    d = await openDashboard('dashboard sequences');
    const [secret] = canaries() as [string];
    for (const name of ['Xendit VA', 'Xendit Backup', 'Xendit Spare']) {
      const created = await d.call<{ id: string }>('POST', '/v1/providers', {
        name,
        type: 'AGGREGATOR',
        integration: 'xendit',
        services: ['VIRTUAL_ACCOUNT', 'EWALLET'],
        credentials: { clientKey: 'xnd_development_abc123', clientSecret: secret },
        fee: { type: 'PERCENTAGE', percent: '1.5' },
        tax: { vatPercent: '11', applyVat: true },
      });
      expect(created.status).toBe(201);
      ids[name] = created.json.id;
    }
    const backup = await d.call('GET', `/v1/providers/${ids['Xendit Backup']}`);
    const maintenance = await d.call('POST', `/v1/providers/${ids['Xendit Backup']}/status`, { status: 'MAINTENANCE', reason: 'bank upgrade' }, { 'if-match': backup.etag! });
    expect(maintenance.status).toBe(200);
    const custom = await d.call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT/BCA', { providerIds: [ids['Xendit Spare'], ids['Xendit VA']] });
    expect(custom.status).toBe(201);
  });

  afterAll(async () => {
    await d?.close();
  });

  it('shows a tab per product and the default sequence in routing order, maintenance marked as skipped', async () => {
    await d.open('#sequences');
    await d.page.locator('#seq-list li[data-provider-name]').first().waitFor();
    expect(await d.page.title()).toBe('Sequence Management · Paystrator sandbox');
    expect(await d.page.getAttribute('nav.views a[data-view="sequences"]', 'aria-current')).toBe('page');
    expect(await d.page.isVisible('#providers')).toBe(false);
    const tabs = await d.page.locator('#seq-tabs [role="tab"]').allTextContents();
    expect(tabs.slice(0, 3)).toEqual(['Virtual Account', 'QR Code', 'E-Wallet']);
    expect(tabs).toContain('Send Money');
    expect(await d.page.getAttribute('#seq-tabs [role="tab"][aria-selected="true"]', 'data-tab')).toBe('VIRTUAL_ACCOUNT');
    expect(await names()).toEqual(['Xendit VA', 'Xendit Backup', 'Xendit Spare']);
    const backup = d.page.locator('#seq-list li[data-provider-name="Xendit Backup"]');
    expect(await backup.locator('.badge').textContent()).toBe('Maintenance');
    expect(await backup.textContent()).toContain('skipped at routing');
    expect(await d.page.locator('#seq-list li[data-provider-name="Xendit VA"] .badge').textContent()).toBe('Active');
    expect(await d.page.locator('#seq-destination option').allTextContents()).toEqual(['Default (every destination)', 'BCA']);
    expect(await d.page.textContent('#seq-updated')).toMatch(/^Last updated \d{1,2} \w{3} \d{4}, \d{2}:\d{2}/);
    expect(await d.page.isDisabled('#seq-save')).toBe(true);
  });

  it('reorders from the keyboard, and Save writes the order with If-Match as a user', async () => {
    const before = await liveVa();
    await d.page.focus('button[aria-label="Move Xendit Spare up"]');
    await d.page.keyboard.press('Enter');
    await statusLine('Xendit Spare moved to position 2 of 3.');
    // Focus stays with the provider moved, so pressing again moves it further.
    expect(await d.page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Move Xendit Spare up');
    await d.page.keyboard.press('Enter');
    await statusLine('Xendit Spare moved to position 1 of 3.');
    // At the top its Up button is disabled: focus moves to its Down button.
    expect(await d.page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Move Xendit Spare down');
    expect(await names()).toEqual(['Xendit Spare', 'Xendit VA', 'Xendit Backup']);
    expect((await liveVa()).version).toBe(before.version);

    await d.page.click('#seq-save');
    await statusLine('Saved the Virtual Account sequence.');
    const after = await liveVa();
    expect(after.providers.map((p) => p.name)).toEqual(['Xendit Spare', 'Xendit VA', 'Xendit Backup']);
    expect(after.version).toBe(before.version + 1);
    expect(after.updatedBy).toBe('USER');
    expect(await d.page.textContent('#seq-updated')).toMatch(/^Last updated .+ by a user$/);
    expect(await d.page.isDisabled('#seq-save')).toBe(true);
  });

  it('shows a custom destination\'s sequence, and switches products with the arrow keys', async () => {
    await d.page.selectOption('#seq-destination', 'BCA');
    await expect.poll(names, { timeout: 10_000 }).toEqual(['Xendit Spare', 'Xendit VA']);
    expect(await d.page.textContent('#seq-updated')).toMatch(/^Last updated .+ by the API$/);

    await d.page.focus('#seq-tabs [role="tab"][aria-selected="true"]');
    await d.page.keyboard.press('ArrowRight');
    await d.page.keyboard.press('ArrowRight');
    await d.page.locator('#seq-form[aria-labelledby="seq-tabs-EWALLET"]').waitFor();
    expect(await d.page.getAttribute('#seq-tabs [role="tab"][aria-selected="true"]', 'data-tab')).toBe('EWALLET');
    expect(await d.page.evaluate('document.activeElement?.getAttribute("data-tab")')).toBe('EWALLET');
    expect(await names()).toEqual(['Xendit VA', 'Xendit Backup', 'Xendit Spare']);
    expect(await d.page.inputValue('#seq-destination')).toBe('');
  });

  it('does not overwrite a change made meanwhile: the 412 reloads the sequence and says so', async () => {
    await d.page.click('#seq-tabs [data-tab="VIRTUAL_ACCOUNT"]');
    await d.page.locator('#seq-form[aria-labelledby="seq-tabs-VIRTUAL_ACCOUNT"]').waitFor();
    await expect.poll(names, { timeout: 10_000 }).toEqual(['Xendit Spare', 'Xendit VA', 'Xendit Backup']);
    const current = await d.call<LiveSequence>('GET', '/v1/sequences/VIRTUAL_ACCOUNT');
    const other = await d.call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT', { providerIds: [ids['Xendit VA'], ids['Xendit Spare'], ids['Xendit Backup']] }, { 'if-match': current.etag! });
    expect(other.status).toBe(200);

    await d.page.click('button[aria-label="Move Xendit Backup up"]');
    await d.page.click('#seq-save');
    await d.page.locator('#seq-form .form-error', { hasText: 'Not saved: the Virtual Account sequence changed since it was loaded.' }).waitFor();
    expect(await names()).toEqual(['Xendit VA', 'Xendit Spare', 'Xendit Backup']);
    expect((await liveVa()).providers.map((p) => p.name)).toEqual(['Xendit VA', 'Xendit Spare', 'Xendit Backup']);

    const html = await d.page.content();
    await capture('dashboard sequences: page', html);
    assertNoCanary(html, 'the Sequence Management view');
    expect(d.errors).toEqual([]);
  });

  it('goes back to Provider Management from the navigation', async () => {
    await d.page.click('nav.views a[data-view="providers"]');
    await d.page.locator('#providers').waitFor();
    expect(await d.page.isVisible('#seq-form')).toBe(false);
    expect(await d.page.title()).toBe('Provider Management · Paystrator sandbox');
    expect(await d.page.evaluate('document.activeElement?.id')).toBe('providers-title');
  });
});
