// Settings → Developers → Webhooks in Chromium: Test & Save per service saves the URL (If-Match
// PUT) and sends a signed test event to it, showing the endpoint's status, a non-2xx as a failed
// test; a URL the API refuses is shown at its field; Regenerate asks first and bumps the
// verification token's version. The receiver is a real HTTP server on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoCanary, capture } from '../../helpers/cli.js';
import { openDashboard, type Dashboard } from '../../helpers/dashboard.js';

interface LiveHooks {
  urls: Record<string, string>;
  verificationToken: { version: number };
  version: number;
}

describe('Webhooks, in chromium', () => {
  let d: Dashboard;
  let receiver: Server;
  let base = '';
  const received: { path: string; signature: string | undefined }[] = [];

  const liveHooks = async (): Promise<LiveHooks> => (await d.call<LiveHooks>('GET', '/v1/webhooks')).json;
  const result = (service: string) => d.page.locator(`#wh-result-${service}`);

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received.push({ path: req.url ?? '', signature: req.headers['x-paystrator-signature'] as string | undefined });
      req.resume();
      res.writeHead(req.url === '/ok' ? 200 : 500, { 'content-type': 'text/plain' }).end(req.url === '/ok' ? 'ok' : 'boom');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    d = await openDashboard('dashboard webhooks');
  });

  afterAll(async () => {
    await d?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('shows a URL per service and the verification token version', async () => {
    await d.open('#developers/webhooks');
    await d.page.locator('#wh-urls input[data-service="SEND_MONEY"]').waitFor();
    const live = await liveHooks();
    expect(await d.page.textContent('#wh-token-text')).toMatch(new RegExp(`^Verification token: version ${live.verificationToken.version}, last rotated `));
    expect(await d.page.locator('#wh-urls label').allTextContents()).toEqual(expect.arrayContaining(['Virtual Account URL', 'QR Code URL', 'Send Money URL']));
  });

  it('Test & Save saves the URL and reports the endpoint\'s answer', async () => {
    const before = await liveHooks();
    await d.page.fill('#wh-url-SEND_MONEY', `${base}/ok`);
    await d.page.click('button[aria-label="Test & Save Send Money"]');
    await result('SEND_MONEY').filter({ hasText: 'Saved and tested: the endpoint answered 200.' }).waitFor();
    const after = await liveHooks();
    expect(after.urls.SEND_MONEY).toBe(`${base}/ok`);
    expect(after.version).toBe(before.version + 1);
    expect(received.filter((r) => r.path === '/ok')).toHaveLength(1);
    expect(received[0]!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    await d.page.fill('#wh-url-QR_CODE', `${base}/fail`);
    await d.page.click('button[aria-label="Test & Save QR Code"]');
    await result('QR_CODE').filter({ hasText: 'Saved, but the test failed: the endpoint answered 500.' }).waitFor();
    expect(await result('QR_CODE').getAttribute('data-ok')).toBe('false');
    expect((await liveHooks()).urls).toMatchObject({ SEND_MONEY: `${base}/ok`, QR_CODE: `${base}/fail` });
  });

  it('shows a URL the API refuses beside its field, and saves nothing', async () => {
    const before = await liveHooks();
    await d.page.fill('#wh-url-EWALLET', 'ftp://example.com/hook');
    await d.page.click('button[aria-label="Test & Save E-Wallet"]');
    await d.page.locator('#wh-url-EWALLET[aria-invalid="true"]').waitFor();
    expect(await d.page.locator('#wh-form .field-error').count()).toBe(1);
    expect((await liveHooks()).version).toBe(before.version);
  });

  it('regenerates the verification token only after confirming', async () => {
    const before = (await liveHooks()).verificationToken.version;
    await d.page.click('#wh-rotate');
    await d.page.locator('#confirm-dialog[open]').waitFor();
    await d.page.click('#confirm-cancel');
    expect((await liveHooks()).verificationToken.version).toBe(before);

    await d.page.click('#wh-rotate');
    await d.page.click('#confirm-ok');
    await d.page.locator('#wh-status', { hasText: `Verification token regenerated: now version ${before + 1}.` }).waitFor();
    expect(await d.page.textContent('#wh-token-text')).toMatch(new RegExp(`^Verification token: version ${before + 1}, `));
    expect((await liveHooks()).verificationToken.version).toBe(before + 1);
    const html = await d.page.content();
    await capture('dashboard webhooks: page', html);
    assertNoCanary(html, 'the Webhooks tab');
    expect(d.errors).toEqual([]);
  });
});
