// Settings → Developers → IP Whitelist in Chromium: the list and the address the API sees; add,
// remove and Save as an If-Match PUT; a list without that address is saved only after a warning,
// and the page (whose session is exempt) can repair it; an address the API refuses is shown at its
// line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RW, openDashboard, type Dashboard } from '../../helpers/dashboard.js';

interface LiveList {
  addresses: string[];
  requestAddress: string;
  version: number;
}

describe('IP Whitelist, in chromium', () => {
  let d: Dashboard;
  let you = '';

  const addresses = (): Promise<string[]> => d.page.locator('#ip-list li[data-address]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-address') ?? ''));
  const statusLine = (text: string) => d.page.locator('#ip-status', { hasText: text }).waitFor();
  // The read-write key is itself subject to the list; the dashboard session is not.
  const liveList = async (): Promise<LiveList> => (await d.call<LiveList>('GET', '/v1/ip-whitelist')).json;

  beforeAll(async () => {
    d = await openDashboard('dashboard ip whitelist');
    you = (await liveList()).requestAddress;
  });

  afterAll(async () => {
    await d?.close();
  });

  it('shows the list and the address the API sees this page call from', async () => {
    await d.open('#developers/ip-whitelist');
    await d.page.locator('#ip-list li').first().waitFor();
    expect(await d.page.getAttribute('#dev-tabs [aria-selected="true"]', 'data-tab')).toBe('ip-whitelist');
    expect(await d.page.textContent('#ip-request')).toBe(`Your address as the API sees it: ${you}`);
    expect(await addresses()).toEqual((await liveList()).addresses);
    expect(await addresses()).toContain(you);
    expect(await d.page.locator(`#ip-list li[data-address="${you}"]`).textContent()).toContain('(your address)');
  });

  it('adds an address from the keyboard and saves with If-Match', async () => {
    const before = await liveList();
    await d.page.fill('#ip-add', '198.51.100.7');
    await d.page.press('#ip-add', 'Enter');
    await statusLine('198.51.100.7 added to the list (not saved yet).');
    expect((await liveList()).version).toBe(before.version);
    await d.page.click('#ip-save');
    await statusLine('IP whitelist saved.');
    expect(await liveList()).toMatchObject({ addresses: [...before.addresses, '198.51.100.7'], version: before.version + 1 });
  });

  it('warns before saving a list without the address the API sees, then lets the page repair it', async () => {
    await d.page.click(`button[aria-label="Remove ${you}"]`);
    expect(await addresses()).toEqual(['198.51.100.7']);
    await d.page.click('#ip-save');
    await d.page.locator('#ip-warning', { hasText: `The list does not include your address, ${you}` }).waitFor();
    expect((await liveList()).addresses).toContain(you);

    await d.page.click('#ip-save');
    await statusLine('IP whitelist saved.');
    // API keys are refused now, the page's session is not: it shows the list and can fix it.
    expect(await d.statusWith(RW, '/v1/ip-whitelist')).toBe(403);
    await d.page.fill('#ip-add', you);
    await d.page.click('#ip-add-button');
    await d.page.click('#ip-save');
    await statusLine('IP whitelist saved.');
    expect(await d.statusWith(RW, '/v1/ip-whitelist')).toBe(200);
    expect((await liveList()).addresses).toEqual(['198.51.100.7', you]);
  });

  it('shows an address the API refuses at its line, and saves nothing', async () => {
    const before = await liveList();
    await d.page.fill('#ip-add', '10.0.0.1');
    await d.page.press('#ip-add', 'Enter');
    await d.page.click('#ip-save');
    await d.page.locator('#ip-form .form-error', { hasText: 'Not saved: 1 field needs attention.' }).waitFor();
    expect(await d.page.locator('#ip-list li[data-address="10.0.0.1"] .field-error').count()).toBe(1);
    expect((await liveList()).version).toBe(before.version);
    // A text that is no address at all never reaches the API.
    await d.page.fill('#ip-add', 'not-an-ip');
    await d.page.press('#ip-add', 'Enter');
    await statusLine('not-an-ip is not an IPv4 address');
    expect(d.errors).toEqual([]);
  });
});
