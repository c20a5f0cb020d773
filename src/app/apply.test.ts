// The apply loop against the real sandbox over loopback HTTP: phases in the registry's order,
// told to a listener, and a sequence phase held back when the providers' phase failed.
import { afterEach, describe, expect, it } from 'vitest';
import { canarySecrets, faultySandbox, planFor, readLive, xendit, type FaultySandbox } from '../../test/helpers/inproc.js';
import type { Plan, SequenceChange } from '../plan/plan.js';
import { applyAccountPlan, type ApplyListener } from './apply.js';

let sandbox: FaultySandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const sequence = (after: string[]): SequenceChange => ({ product: 'VIRTUAL_ACCOUNT', destination: 'BCA', action: 'create', file: 'sequences.yaml', line: 1, after, notes: [] });

/** A listener that writes down what it is told, in order. */
function recorder() {
  const log: string[] = [];
  const listener: ApplyListener = {
    phaseStarted: (kind) => void log.push(`start ${kind}`),
    step: (s) => void log.push(s.type === 'provider' ? `provider ${s.event.name} ${s.event.phase}` : s.type === 'sequence' ? `sequence ${s.event.phase}` : `resource ${s.event.phase}`),
    phaseFinished: (o) => void log.push(`finish ${o.kind} ${o.status}`),
    phaseAborted: (kind) => void log.push(`abort ${kind}`),
  };
  return { log, listener };
}

const opts = { environment: 'test', secrets: canarySecrets(), stores: new Map(), parallelism: 2 };

describe('applyAccountPlan', () => {
  it('applies the providers, then the sequences that name them, telling the listener each phase', async () => {
    sandbox = await faultySandbox();
    const client = sandbox.client();
    const plan: Plan = { ...planFor([xendit('Bank A')], []), sequences: [sequence(['Bank A'])] };
    const { log, listener } = recorder();
    const r = await applyAccountPlan(plan, client, opts, listener);
    expect(r.failed).toBe(false);
    expect(r.providers).toMatchObject({ created: 1, failed: 0 });
    expect(log[0]).toBe('start Provider');
    expect(log.slice(log.indexOf('finish Provider done'))).toEqual(['finish Provider done', 'start Sequence', 'sequence done', 'finish Sequence done']);
    expect(r.phases.filter((p) => p.status !== 'nothing').map((p) => p.kind)).toEqual(['Provider', 'Sequence']);
    const bca = sandbox.server.store.sequence('VIRTUAL_ACCOUNT', 'BCA');
    expect(bca?.providerIds).toEqual([sandbox.server.store.getByName('Bank A')!.id]);
  });

  it('holds the sequences back when a provider change failed, and says the apply failed', async () => {
    sandbox = await faultySandbox();
    const client = sandbox.client();
    await applyAccountPlan(planFor([xendit('Contested')], []), client, opts, recorder().listener);
    const plan: Plan = { ...planFor([xendit('Contested', { fee: { type: 'PERCENTAGE', percent: '2' } })], await readLive(client)), sequences: [sequence(['Contested'])] };
    // Someone changes the provider in the dashboard after the plan: its update conflicts.
    const live = sandbox.server.store.getByName('Contested')!;
    await client.updateProvider(live.id, live.name, { fee: { type: 'PERCENTAGE', percent: '9' } }, live.version);
    const { log, listener } = recorder();
    const r = await applyAccountPlan(plan, client, opts, listener);
    expect(r.failed).toBe(true);
    expect(r.providers).toMatchObject({ updated: 0, failed: 1 });
    expect(r.phases).toContainEqual({ kind: 'Sequence', status: 'held', pending: 1 });
    expect(log).toContain('finish Sequence held');
    expect(log).not.toContain('start Sequence');
    expect(sandbox.server.store.sequence('VIRTUAL_ACCOUNT', 'BCA')).toBeUndefined();
  });
});
