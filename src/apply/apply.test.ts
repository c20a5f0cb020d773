// The engine against the real sandbox app over loopback HTTP, with injected faults.
import { afterEach, describe, expect, it } from 'vitest';
import { RetryBudget } from '../api/retry.js';
import { DROP_AFTER_COMMIT, NO_FAULT, canarySecrets, faultySandbox, planFor, readLive, scripted, xendit, type FaultySandbox } from '../../test/helpers/inproc.js';
import { applyPlan, reducesService, showsWrite, type ApplyEvent } from './apply.js';

let sandbox: FaultySandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const fee = (percent: string) => ({ type: 'PERCENTAGE' as const, percent });

describe('applyPlan', () => {
  it('converges under dropped connections (also after commit) and 5xx, with no false conflict', async () => {
    sandbox = await faultySandbox({ dropRate: 0.2, errorRate: 0.1, seed: 11 });
    const client = sandbox.client({ maxAttempts: 12, baseDelayMs: 2 });
    const names = Array.from({ length: 30 }, (_, i) => `Engine ${String(i).padStart(2, '0')}`);
    const first = await applyPlan(planFor(names.map((n) => xendit(n)), await readLive(client)), client, canarySecrets(), { parallelism: 6 });
    expect(first).toMatchObject({ created: 30, failed: 0, failures: [] });

    // Every provider: a new fee (PATCH), and every other one to MAINTENANCE (then a status change).
    const want = names.map((n, i) => xendit(n, { fee: fee('2.25'), ...(i % 2 ? { status: 'MAINTENANCE' as const } : {}) }));
    const second = await applyPlan(planFor(want, await readLive(client)), client, canarySecrets(), { parallelism: 6 });
    expect(second.failures).toEqual([]);
    expect(second).toMatchObject({ updated: 30, statusChanges: 15, failed: 0 });
    expect(planFor(want, await readLive(client)).summary).toMatchObject({ create: 0, update: 0, noop: 30 });
    expect(sandbox.server.store.size).toBe(30);
    expect(sandbox.server.faultStats.droppedAfterCommit).toBeGreaterThan(0);
    expect(second.retries).toBeGreaterThan(0);
  });

  it('takes a write whose answer was lost as done when live shows it, and carries on from its version', async () => {
    sandbox = await faultySandbox({ dropRate: 0.5 }, scripted([...NO_FAULT, ...NO_FAULT, ...NO_FAULT, ...DROP_AFTER_COMMIT]));
    const client = sandbox.client({ baseDelayMs: 1 });
    // Requests: list (1), create (2), list (3), PATCH committed then dropped (4); its retry gets 412, then GET, then status.
    await applyPlan(planFor([xendit('Lost')], await readLive(client)), client, canarySecrets(), { parallelism: 1 });
    const plan = planFor([xendit('Lost', { fee: fee('3'), status: 'INACTIVE' })], await readLive(client));
    const r = await applyPlan(plan, client, canarySecrets(), { parallelism: 1 });
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ updated: 1, statusChanges: 1 });
    expect(sandbox.server.faultStats.droppedAfterCommit).toBe(1);
    expect(sandbox.server.store.getByName('Lost')).toMatchObject({ version: 3, status: 'INACTIVE', fee: { percent: '3' } });
  });

  it('fails a provider changed by someone else since the plan, overwriting nothing', async () => {
    sandbox = await faultySandbox();
    const client = sandbox.client();
    await applyPlan(planFor([xendit('Mine'), xendit('Contested')], []), client, canarySecrets(), { parallelism: 2 });
    const plan = planFor([xendit('Mine', { fee: fee('2') }), xendit('Contested', { fee: fee('2') })], await readLive(client));
    // A person in the dashboard changes Contested after the plan.
    const contested = sandbox.server.store.getByName('Contested')!;
    await client.updateProvider(contested.id, contested.name, { fee: fee('9') }, contested.version);
    const r = await applyPlan(plan, client, canarySecrets(), { parallelism: 2 });
    expect(r).toMatchObject({ updated: 1, failed: 1 });
    expect(r.failures[0]!.name).toBe('Contested');
    expect(r.failures[0]!.message).toMatch(/^conflict: Contested was changed by someone else \(expected version 1, found version 2 updated .+\); nothing was overwritten\. Run plan again/);
    expect(sandbox.server.store.getByName('Contested')!.fee).toEqual(fee('9'));
    expect(sandbox.server.store.getByName('Mine')!.fee).toEqual(fee('2'));
  });

  it('takes providers out of service last, and not at all after a failure', async () => {
    sandbox = await faultySandbox();
    const client = sandbox.client();
    await applyPlan(planFor([xendit('Old')], []), client, canarySecrets(), { parallelism: 1 });
    // The plan replaces Old with New; New is created by someone else meanwhile, so its create fails (409).
    const plan = planFor([xendit('Old', { status: 'INACTIVE' }), xendit('New')], await readLive(client));
    expect(plan.changes.map((c) => [c.name, reducesService(c)])).toEqual([['New', false], ['Old', true]]);
    await client.createProvider({ ...plan.changes[0]!.operations[0]!.body, name: 'New', credentials: { clientKey: 'xnd_development_abc123', clientSecret: 'x' } } as never, 'someone-else');
    const events: ApplyEvent[] = [];
    const r = await applyPlan(plan, client, canarySecrets(), { parallelism: 4, onEvent: (e) => events.push(e) });
    expect(r).toMatchObject({ created: 0, statusChanges: 0, failed: 1 });
    expect(r.failures[0]).toMatchObject({ name: 'New', message: expect.stringContaining('409') });
    expect(r.skipped).toEqual([{ name: 'Old', reason: 'not attempted: it takes a provider out of service, and an earlier change failed' }]);
    expect(events.filter((e) => e.name === 'Old').map((e) => e.phase)).toEqual(['skipped']);
    expect(sandbox.server.store.getByName('Old')!.status).toBe('ACTIVE');
  });

  it('stops starting changes once the retry budget is spent, and says which were not attempted', async () => {
    sandbox = await faultySandbox({ errorRate: 1 });
    const client = sandbox.client({ budget: new RetryBudget(40), sleep: async () => {} });
    const names = Array.from({ length: 20 }, (_, i) => `Budget ${i}`);
    const r = await applyPlan(planFor(names.map((n) => xendit(n)), []), client, canarySecrets(), { parallelism: 2 });
    expect(r.created).toBe(0);
    expect(r.failed).toBeGreaterThan(0);
    expect(r.failed + r.skipped.length).toBe(20);
    expect(r.skipped.length).toBeGreaterThan(10);
    expect(r.skipped[0]!.reason).toContain('the retry budget is spent');
    expect(r.retries).toBe(8);
  });
});

describe('showsWrite', () => {
  const live = {
    id: 'prv_1', name: 'A', type: 'AGGREGATOR' as const, integration: 'xendit', services: ['VIRTUAL_ACCOUNT', 'EWALLET'],
    credentials: { clientKey: 'k2', clientSecret: { masked: true as const, version: 2, updatedAt: 'x' } }, fee: fee('1.50'), tax: { vatPercent: '11', applyVat: true },
    status: 'MAINTENANCE' as const, statusChangedBy: 'API' as const, statusReason: 'why', lastActivityAt: null, labels: { team: 'a' }, annotations: { f: '1' },
    version: 3, createdAt: 'x', updatedAt: 'x',
  };
  it('compares only the fields a write sets, decimals exactly', () => {
    expect(showsWrite({ kind: 'update', body: { fee: fee('1.5'), services: ['EWALLET', 'VIRTUAL_ACCOUNT'] }, secrets: {} }, live)).toBe(true);
    expect(showsWrite({ kind: 'update', body: { credentials: { clientKey: 'k2' }, labels: { team: 'a', gone: null }, annotations: { f: '1' } }, secrets: {} }, live)).toBe(true);
    expect(showsWrite({ kind: 'update', body: { fee: fee('1.51') }, secrets: {} }, live)).toBe(false);
    expect(showsWrite({ kind: 'update', body: { labels: { team: null } }, secrets: {} }, live)).toBe(false);
    expect(showsWrite({ kind: 'update', body: { annotations: { f: '2' } }, secrets: {} }, live)).toBe(false);
    expect(showsWrite({ kind: 'status', body: { status: 'MAINTENANCE', reason: 'why' } }, live)).toBe(true);
    expect(showsWrite({ kind: 'status', body: { status: 'MAINTENANCE', reason: 'other' } }, live)).toBe(false);
    expect(showsWrite({ kind: 'status', body: { status: 'MAINTENANCE', reason: 'why' } }, { ...live, statusChangedBy: 'USER' })).toBe(false);
  });
});
