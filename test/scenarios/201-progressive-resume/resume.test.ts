// apply --progressive killed with SIGKILL while it watches step 2, then run again (issue 18:
// "killing a progressive apply and rerunning it resumes at the step it was in"). Over HTTP with
// a seeded traffic sandbox: the rerun says it resumes at step 2, judges it without writing it
// again, does not repeat step 1's writes (live versions), applies the rest, exits 0, and a final
// plan is clean. The kill waits for the step's progress line, never for a time.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { listProviders, RW, spawnCli } from '../../helpers/apply.js';
import { providerYaml } from '../../helpers/fixtures.js';
import { serveWebhookReceiver, type WebhookReceiver } from '../../servers/webhook-receiver.js';

// A longer interval than 200's: the kill lands inside the wait of step 2 once its line is out.
const config = (url: string) => `environments:
  http:
    endpoint: ${url}
    client: dummy-company
    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }
    providers: providers/**/*.yaml
secretStores:
  env: { type: env }
policy:
  rollout: { interval: 3s, minSuccessRate: 0.9, minTransactions: 5 }
`;

const NAMES = ['Wallet First', 'Wallet Second', 'Wallet Third'] as const;
const fileOf = (name: string) => `providers/${name.toLowerCase().replaceAll(' ', '-')}.yaml`;
const wallet = (name: string, percent: string) => providerYaml({ name, services: ['EWALLET'], percent });
const webhooks = (url: string) => `apiVersion: paystrator-gitops/v1\nkind: Webhooks\nspec:\n  urls:\n    EWALLET: ${url}\n`;

async function versions(url: string): Promise<Map<string, number>> {
  return new Map((await listProviders(url)).map((p) => [p.name, p.version]));
}

describe('apply --progressive killed mid-analysis, then rerun', () => {
  let sandbox: ServedSandbox;
  let receiver: WebhookReceiver;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await serveSandbox(['--traffic-rate', '400', '--seed', '11']);
    receiver = await serveWebhookReceiver();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
    dir = await workspace({ 'paystrator.yaml': config(sandbox.url), ...Object.fromEntries(NAMES.map((n, i) => [fileOf(n), wallet(n, `1.${5 + i}`)])) });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.stop();
  });

  it('resumes at the step it was in, writes nothing twice, converges', async () => {
    for (const [i, n] of NAMES.entries()) await writeFile(path.join(dir, fileOf(n)), wallet(n, `2.${5 + i}`));
    await writeFile(path.join(dir, 'providers/webhooks.yaml'), webhooks(receiver.urlFor(200)));
    const args = ['apply', '--env', 'http', '--auto-approve', '--progressive'];

    const child = spawnCli(args, { cwd: dir, env });
    // Step 2 applied, its analysis wait begun: the journal holds it as applied and not judged.
    const reached = await child.waitFor(/^\[2\/4\] provider [^\n]+\n {2}applied\n {2}watching live traffic for 3s\n/m);
    expect(reached, child.stdout() + child.stderr()).toBe(true);
    child.kill('SIGKILL');
    const killed = await child.done;
    expect(killed.signal).toBe('SIGKILL');
    const first = /^\[1\/4\] provider (.+) \(watching/m.exec(killed.stdout)![1]!;
    const second = /^\[2\/4\] provider (.+) \(watching/m.exec(killed.stdout)![1]!;
    const third = NAMES.find((n) => n !== first && n !== second)!;
    const journal = JSON.parse(await readFile(path.join(dir, '.paystrator/rollout-http.json'), 'utf8')) as { pending?: { index: number; title: string } };
    expect(journal.pending).toMatchObject({ index: 2, title: `provider ${second}` });
    const before = await versions(sandbox.url);

    const rerun = await runCli(args, { cwd: dir, env });
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain(`Resuming at step 2 (provider ${second}): an interrupted run applied it and did not judge it yet; judging it first, without writing it again.\n`);
    // The fresh plan holds only what is left: the third provider and the settings.
    expect(rerun.stdout).toContain(`[1/2] provider ${third} (watching EWALLET)\n  applied\n`);
    expect(rerun.stdout).toContain('[2/2] account settings (Webhooks) (watching EWALLET)\n');
    expect(rerun.stdout).not.toContain(`provider ${first} (watching`);
    expect(rerun.stdout).not.toContain(`] provider ${second} (watching`);
    expect(rerun.stdout.match(/^ {2}pass: \d+ transactions/gm)).toHaveLength(3);
    expect(rerun.stdout).toContain('Progressive apply complete: 3 steps applied and judged healthy.');

    // Steps 1 and 2 were not written again; step 3 was, once.
    const after = await versions(sandbox.url);
    expect(after.get(first)).toBe(before.get(first));
    expect(after.get(second)).toBe(before.get(second));
    expect(after.get(third)).toBe(before.get(third)! + 1);
    const live = await listProviders(sandbox.url);
    for (const [i, n] of NAMES.entries()) expect(live.find((p) => p.name === n)?.fee).toEqual({ type: 'PERCENTAGE', percent: `2.${5 + i}` });
    expect(receiver.deliveries.map((d) => d.path)).toEqual(['/status/200']);
    const journalAfter = JSON.parse(await readFile(path.join(dir, '.paystrator/rollout-http.json'), 'utf8')) as { pending?: unknown };
    expect(journalAfter.pending).toBeUndefined();

    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stdout).toBe(0);
  }, 120_000);

  it('a saved plan killed in its last step (the settings) is judged on the rerun, though nothing is left to apply', async () => {
    await writeFile(path.join(dir, fileOf('Wallet First')), wallet('Wallet First', '2.9'));
    await writeFile(path.join(dir, 'providers/webhooks.yaml'), webhooks(receiver.urlFor(202)));
    const saved = await runCli(['plan', '--env', 'http', '--out', 'plan.json'], { cwd: dir, env });
    expect(saved.code, saved.stderr).toBe(0);
    const args = ['apply', '--env', 'http', 'plan.json', '--progressive'];

    const child = spawnCli(args, { cwd: dir, env });
    const reached = await child.waitFor(/^\[2\/2\] account settings \(Webhooks\)[^\n]*\n(?: {4}[^\n]*\n)* {2}applied\n {2}watching live traffic for 3s\n/m);
    expect(reached, child.stdout() + child.stderr()).toBe(true);
    child.kill('SIGKILL');
    expect((await child.done).signal).toBe('SIGKILL');
    const before = await versions(sandbox.url);
    const deliveries = receiver.deliveries.length;

    const rerun = await runCli(args, { cwd: dir, env });
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('Already applied by an earlier run of this plan: ');
    expect(rerun.stdout).toContain('Resuming at step 2 (account settings (Webhooks)): an interrupted run applied it and did not judge it yet; judging it first, without writing it again.\n');
    expect(rerun.stdout).toMatch(/^ {2}pass: \d+ transactions/m);
    expect(rerun.stdout).toContain('Progressive apply complete: 1 step applied and judged healthy.');
    // Nothing written again: no provider version moved, no second Test & Save.
    expect(await versions(sandbox.url)).toEqual(before);
    expect(receiver.deliveries.length).toBe(deliveries);
    const journal = JSON.parse(await readFile(path.join(dir, '.paystrator/rollout-http.json'), 'utf8')) as { pending?: unknown };
    expect(journal.pending).toBeUndefined();
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stdout).toBe(0);
  }, 120_000);
});
