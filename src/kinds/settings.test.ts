// The Webhooks and IpWhitelist kinds end to end below the CLI: files through the loader, live
// state from the in-process sandbox, the pure plan, apply (with Test & Save against a loopback
// receiver), guards, drift and drift --write.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaystratorClient } from '../api/client.js';
import { InProcessTransport } from '../api/transport.js';
import { bundledCatalog } from '../catalog/catalog.js';
import { formatDiagnostic } from '../diagnostics.js';
import { computeDrift, withResourceDrift } from '../drift/drift.js';
import { planDriftWrite } from '../drift/write.js';
import type { IpWhitelist, Webhooks } from '../generated/api.js';
import { loadDesiredFiles } from '../load/providers.js';
import { hasChanges, type Plan } from '../plan/plan.js';
import { createSandboxApp } from '../sandbox/app.js';
import { openSandboxStore } from '../sandbox/store/persistence.js';
import { SANDBOX_RW_KEY } from '../sandbox/store/types.js';
import { Sensitive } from '../secrets/sensitive.js';
import { serveWebhookReceiver, type WebhookReceiver } from '../../test/servers/webhook-receiver.js';
import { applyResourceKind } from './apply.js';
import { driftResources } from './drift.js';
import type { ResourceEvent } from './kind.js';
import { buildAccountPlan, resourceFindings } from './plan.js';
import { documentKinds, KINDS } from './registry.js';
import { TOKEN_VERSION_ANNOTATION } from './webhooks.js';

const dirs: string[] = [];
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await serveWebhookReceiver();
});
afterAll(async () => {
  await receiver.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paystrator-settings-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

const load = async (dir: string, allowLoopbackHttp = true) =>
  loadDesiredFiles({ patterns: ['settings/**/*.yaml'], baseDir: dir, catalog: bundledCatalog(), documents: documentKinds(), allowLoopbackHttp });

const webhooks = (urls: Record<string, string>) =>
  `apiVersion: paystrator-gitops/v1\nkind: Webhooks\nspec:\n  urls:\n${Object.entries(urls).map(([s, u]) => `    ${s}: ${u}\n`).join('')}`;
const whitelist = (addresses: string[]) => `apiVersion: paystrator-gitops/v1\nkind: IpWhitelist\nspec:\n  addresses:\n${addresses.map((a) => `    - ${a}\n`).join('')}`;

describe('Webhooks and IpWhitelist documents', () => {
  it('are validated at the line of each value', async () => {
    const dir = await workspace({
      'settings/webhooks.yaml': webhooks({ SEND_MONEY: 'http://api.example.co.id/x', QR_KODE: 'https://a.example/q', EWALLET: 'https://user:pw@a.example/e' }),
      'settings/ip.yaml': whitelist(['203.0.113.10', '10.0.0.1', '203.0.113.10', '1.2.3']),
    });
    const r = await load(dir);
    expect(r.errors.map(formatDiagnostic)).toEqual([
      'settings/ip.yaml:6:7: spec.addresses[1]: 10.0.0.1 is private (10.0.0.0/8), not a public address',
      'settings/ip.yaml:7:7: spec.addresses[2]: 203.0.113.10 is listed twice: first at line 5',
      'settings/ip.yaml:8:7: spec.addresses[3]: 1.2.3 must be an IPv4 address as four decimal numbers 0-255 without leading zeros, such as 203.0.113.10',
      'settings/webhooks.yaml:5:17: spec.urls.SEND_MONEY: the webhook URL must be https (http only to 127.0.0.1, [::1] or localhost in the sandbox)',
      'settings/webhooks.yaml:6:5: spec.urls.QR_KODE: unknown service "QR_KODE" (services: CREDIT_CARD, EWALLET, QR_CODE, SEND_MONEY, VIRTUAL_ACCOUNT)',
      'settings/webhooks.yaml:7:14: spec.urls.EWALLET: the webhook URL must not hold a user name or password (user:pass@): authenticate deliveries by their signature',
    ]);
  });

  it('take http to loopback only in a sandbox environment', async () => {
    const dir = await workspace({ 'settings/webhooks.yaml': webhooks({ SEND_MONEY: 'http://127.0.0.1:9/x' }) });
    expect((await load(dir)).errors).toEqual([]);
    expect((await load(dir, false)).errors.map((d) => d.message)).toEqual(['the webhook URL must be https']);
  });

  it('at most one of each per environment: the error is at the second, naming the first', async () => {
    const dir = await workspace({ 'settings/a.yaml': whitelist(['203.0.113.10']), 'settings/b.yaml': `# second\n${whitelist(['203.0.113.11'])}` });
    expect((await load(dir)).errors.map(formatDiagnostic)).toEqual(['settings/b.yaml:2:1: kind: at most one IpWhitelist document per environment: another is at settings/a.yaml:1']);
  });
});

describe('Webhooks and IpWhitelist against the sandbox', () => {
  async function setup(files: Record<string, string>) {
    const store = await openSandboxStore();
    const client = new PaystratorClient(new InProcessTransport(createSandboxApp({ store })), new Sensitive(SANDBOX_RW_KEY), false);
    const dir = await workspace(files);
    const plan = async (): Promise<{ plan: Plan; live: Map<'Webhooks' | 'IpWhitelist', unknown> }> => {
      const loaded = await load(dir);
      expect(loaded.errors).toEqual([]);
      const live = new Map<'Webhooks' | 'IpWhitelist', unknown>([['Webhooks', await client.getWebhooks()], ['IpWhitelist', await client.getIpWhitelist()]]);
      const p = buildAccountPlan({
        environment: 'sandbox', endpoint: 'embedded', company: 'cmp', toolVersion: '0.1.0', desired: [], live: [], prune: false, targets: [], ignore: [],
        sequences: [], qris: () => false, resources: loaded.value!.resources, liveResources: live,
      });
      return { plan: p, live };
    };
    const events: string[] = [];
    const apply = async (p: Plan, kind: 'Webhooks' | 'IpWhitelist') =>
      applyResourceKind(p, kind, client, { environment: 'sandbox', company: 'cmp', stores: new Map(), audit: { appliedAt: '2026-12-01T00:00:00Z', commit: 'abc' }, onEvent: (e: ResourceEvent) => events.push(`${e.phase} ${e.message ?? ''}`) });
    return { store, client, dir, plan, apply, events };
  }

  it('apply sets the URLs, tests each one it changed, and records the token version with the audit trail', async () => {
    const s = await setup({ 'settings/w.yaml': webhooks({ SEND_MONEY: receiver.urlFor(200), QR_CODE: receiver.urlFor(204) }) });
    const { plan } = await s.plan();
    expect(plan.resources).toEqual([expect.objectContaining({ kind: 'Webhooks', action: 'update', fields: [{ field: 'spec.urls.QR_CODE', after: receiver.urlFor(204) }, { field: 'spec.urls.SEND_MONEY', after: receiver.urlFor(200) }] })]);
    expect(await s.apply(plan, 'Webhooks')).toEqual({ written: 1, unchanged: 0, failed: 0 });
    expect(s.events).toEqual([`info test event to QR_CODE (${receiver.urlFor(204)}): HTTP 204`, `info test event to SEND_MONEY (${receiver.urlFor(200)}): HTTP 200`, 'done 2 URLs set']);
    const live = await s.client.getWebhooks();
    expect(live.urls).toEqual({ QR_CODE: receiver.urlFor(204), SEND_MONEY: receiver.urlFor(200) });
    expect(live.annotations).toMatchObject({ [TOKEN_VERSION_ANNOTATION]: String(live.verificationToken.version), 'paystrator-gitops/commit': 'abc', 'paystrator-gitops/applied-version': String(live.version) });
    expect(receiver.deliveries.filter((d) => d.path === '/status/200' && d.signed)).not.toHaveLength(0);
    expect(hasChanges((await s.plan()).plan)).toBe(false);
  });

  it('a URL whose endpoint answers 500 fails the change and gets its previous URL back (Test & Save)', async () => {
    const s = await setup({ 'settings/w.yaml': webhooks({ SEND_MONEY: receiver.urlFor(200) }) });
    await s.apply((await s.plan()).plan, 'Webhooks');
    await writeFile(path.join(s.dir, 'settings/w.yaml'), webhooks({ SEND_MONEY: receiver.urlFor(500), EWALLET: receiver.urlFor(200) }));
    s.events.length = 0;
    expect(await s.apply((await s.plan()).plan, 'Webhooks')).toEqual({ written: 0, unchanged: 0, failed: 1 });
    expect(s.events).toEqual([
      `info test event to EWALLET (${receiver.urlFor(200)}): HTTP 200`,
      `failed test event to SEND_MONEY (${receiver.urlFor(500)}): HTTP 500; its previous URL ${receiver.urlFor(200)} was restored (Test & Save keeps only a URL that answers 2xx)`,
    ]);
    expect((await s.client.getWebhooks()).urls).toEqual({ EWALLET: receiver.urlFor(200), SEND_MONEY: receiver.urlFor(200) });
    // The rerun plans the failed URL again, and nothing else.
    expect((await s.plan()).plan.resources![0]!.fields).toEqual([{ field: 'spec.urls.SEND_MONEY', before: receiver.urlFor(200), after: receiver.urlFor(500) }]);
  });

  it('drift reports a URL changed live and a token rotation; --write brings the URL back into the file', async () => {
    const s = await setup({ 'settings/w.yaml': `# our hooks\n${webhooks({ SEND_MONEY: receiver.urlFor(200) })}` });
    await s.apply((await s.plan()).plan, 'Webhooks');
    const w = await s.client.getWebhooks();
    await s.client.putWebhooks({ urls: { SEND_MONEY: receiver.urlFor(201) } }, w.version);
    await s.client.rotateWebhookToken();
    const loaded = await load(s.dir);
    const live = new Map<'Webhooks', unknown>([['Webhooks', await s.client.getWebhooks()]]);
    const drift = driftResources(loaded.value!.resources, live);
    expect(drift).toEqual([expect.objectContaining({ kind: 'Webhooks', fields: [{ field: 'spec.urls.SEND_MONEY', git: receiver.urlFor(200), live: receiver.urlFor(201) }], events: [expect.stringMatching(/^verification token rotated: version 1 -> 2 at \S+ by API$/)] })]);
    const report = withResourceDrift(computeDrift({ environment: 'sandbox', endpoint: 'embedded', company: 'cmp', toolVersion: '0.1.0', desired: [], live: [], ignore: [], secrets: { fingerprints: true } }), drift);
    expect(report.drift).toBe(true);
    const planned = await planDriftWrite(report, s.dir);
    expect(planned.files.map((f) => f.after)).toEqual([`# our hooks\n${webhooks({ SEND_MONEY: JSON.stringify(receiver.urlFor(201)) })}`]);
    // The plan acknowledges the rotation by recording the token version it sees.
    await writeFile(path.join(s.dir, 'settings/w.yaml'), planned.files[0]!.after);
    const again = (await s.plan()).plan;
    expect(again.resources![0]).toMatchObject({ action: 'update', fields: [], notes: [expect.stringContaining('verification token rotated: version 1 -> 2')] });
    await s.apply(again, 'Webhooks');
    expect(hasChanges((await s.plan()).plan)).toBe(false);
    expect(await readFile(path.join(s.dir, 'settings/w.yaml'), 'utf8')).toContain('# our hooks');
  });

  it('the IP whitelist guard refuses an empty list and one without requestAddress', async () => {
    const s = await setup({ 'settings/ip.yaml': whitelist(['203.0.113.10']) });
    const { plan, live } = await s.plan();
    const ctx = { environment: 'sandbox', company: 'cmp' };
    expect((live.get('IpWhitelist') as IpWhitelist).requestAddress).toBe('203.0.113.1');
    expect(resourceFindings(plan, live, ctx).map((f) => f.message)).toEqual([
      'the IP whitelist would no longer hold 203.0.113.1, the address the API sees this run calling from (requestAddress): runs from there would be locked out',
    ]);
    await writeFile(path.join(s.dir, 'settings/ip.yaml'), 'apiVersion: paystrator-gitops/v1\nkind: IpWhitelist\nspec:\n  addresses: []\n');
    const empty = await s.plan();
    expect(resourceFindings(empty.plan, empty.live, ctx).map((f) => f.check)).toEqual(['lockout']);
    await writeFile(path.join(s.dir, 'settings/ip.yaml'), whitelist(['203.0.113.1', '198.51.100.7']));
    const fine = await s.plan();
    expect(resourceFindings(fine.plan, fine.live, ctx)).toEqual([]);
    expect(await s.apply(fine.plan, 'IpWhitelist')).toEqual({ written: 1, unchanged: 0, failed: 0 });
    expect((await s.client.getIpWhitelist()).addresses.sort()).toEqual(['198.51.100.7', '203.0.113.1']);
    expect(hasChanges((await s.plan()).plan)).toBe(false);
  });

  it('a saved change is stale after a concurrent write, and a rerun after a landed write has nothing to do', async () => {
    const s = await setup({ 'settings/ip.yaml': whitelist(['203.0.113.1', '198.51.100.7']) });
    const saved = (await s.plan()).plan;
    const l = await s.client.getIpWhitelist();
    await s.client.putIpWhitelist({ addresses: ['203.0.113.1', '198.51.100.9'] }, l.version);
    // Applying the stale change anyway is refused by If-Match, and nothing is overwritten.
    expect(await s.apply(saved, 'IpWhitelist')).toMatchObject({ failed: 1 });
    expect(s.events.at(-1)).toMatch(/the IP whitelist changed live while applying; nothing was overwritten/);
    expect((await s.client.getIpWhitelist()).addresses).toContain('198.51.100.9');
    expect(KINDS.IpWhitelist!.stale(saved.resources![0]!, (await s.plan()).plan.resources![0])).toEqual({ state: 'moved', why: `changed live since the plan (version ${l.version} -> ${l.version + 1})` });
    const fresh = (await s.plan()).plan;
    await s.apply(fresh, 'IpWhitelist');
    expect(KINDS.IpWhitelist!.stale(fresh.resources![0]!, (await s.plan()).plan.resources![0])).toEqual({ state: 'done', note: 'already applied by an earlier run of this plan' });
  });
});

// Keep the type imports honest: these are the live shapes the handlers read.
export type { Webhooks };
