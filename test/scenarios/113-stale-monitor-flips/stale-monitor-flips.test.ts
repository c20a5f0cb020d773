// A busy account whose own monitoring moves providers: `sandbox --maintenance-flip-rate` flips
// providers to and from MAINTENANCE (by MONITOR) on every tick while a saved plan waits. Through
// the built CLI over HTTP: flips on providers the plan does not touch are reported and the plan
// applies; a flip on the provider it changes makes it stale.
//
// Flips happen per monitoring tick, on wall-clock time, so no test can know which tick its CLI run
// falls in. Each case is therefore made certain by construction rather than by luck of the seed:
// - the provider the first plan changes is INACTIVE, which monitoring never flips (faults.ts flips
//   only ACTIVE providers, and back only those it put in MAINTENANCE), so its version cannot move
//   between the plan and the apply's write, however many ticks pass;
// - the second plan changes an ACTIVE provider and waits until monitoring moved it; versions only
//   grow, so the apply sees the move whatever happens after.
// The seed only makes a failing run replayable. The rate (a quarter of the flippable providers per
// tick) makes the bounded waits certain in practice: no flip in 150 ticks has odds below 1e-18.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const SEED = '113';
const TICK_MS = 100;
const MAX_POLLS = 150;

interface LiveRow {
  id: string;
  name: string;
  version: number;
  status: string;
  statusChangedBy: string;
  fee: { type: string; percent?: string };
}

const PROVIDERS: Record<string, { services: string[]; status?: string }> = {
  Alpha: { services: ['VIRTUAL_ACCOUNT'], status: 'INACTIVE' },
  Beta: { services: ['VIRTUAL_ACCOUNT'] },
  Gamma: { services: ['VIRTUAL_ACCOUNT', 'EWALLET'] },
  Delta: { services: ['QR_CODE'] },
  Epsilon: { services: ['EWALLET'] },
  Zeta: { services: ['QR_CODE', 'EWALLET'] },
};

const fileOf = (name: string, percent?: string) => providerYaml({ name, ...PROVIDERS[name]!, ...(percent ? { percent } : {}) });

// Without it a provider monitoring put in MAINTENANCE would be planned back to ACTIVE, and the plan
// would touch every flipped provider: the busy-account setup SPEC 4 shows.
const config = (url: string) => `${configYaml({ httpUrl: url })}policy:
  ignore:
    - { field: status, when: { changedBy: MONITOR, value: MAINTENANCE } }
`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('monitoring flips while a saved plan waits: stale only where it matters', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  const answers: string[] = [];
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });

  const live = async (): Promise<Map<string, LiveRow>> => {
    const res = await fetch(`${sandbox.url}/v1/providers?limit=1000`, { headers: { authorization: `Bearer ${RW}` } });
    const text = await res.text();
    answers.push(text);
    expect(res.status).toBe(200);
    return new Map((JSON.parse(text) as { data: LiveRow[] }).data.map((p) => [p.name, p]));
  };

  /** The live version of each provider the saved plan recorded: what it depends on. */
  const plannedVersions = async (file: string): Promise<Map<string, number>> => {
    const plan = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as { changes: { name: string; liveVersion?: number }[] };
    return new Map(plan.changes.map((c) => [c.name, c.liveVersion!]));
  };

  /** Polls (bounded) until `done` holds for the providers that moved since the plan; returns them. */
  const waitForMoves = async (planned: Map<string, number>, done: (moved: string[]) => boolean): Promise<string[]> => {
    let moved: string[] = [];
    for (let i = 0; i < MAX_POLLS; i++) {
      const now = await live();
      moved = [...planned].filter(([name, v]) => now.get(name)!.version !== v).map(([name]) => name);
      if (done(moved)) break;
      await sleep(TICK_MS);
    }
    return moved;
  };

  beforeAll(async () => {
    // The providers are applied before monitoring starts (same data file, restarted with flips),
    // so the setup itself never races a flip.
    const quiet = await serveSandbox();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
    dir = await workspace({
      'paystrator.yaml': config(quiet.url),
      ...Object.fromEntries(Object.keys(PROVIDERS).map((name) => [`providers/${name.toLowerCase()}.yaml`, fileOf(name)])),
    });
    const setup = await cli('apply', '--auto-approve');
    await quiet.stop();
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    sandbox = await serveSandbox(['--data', quiet.dataFile, '--maintenance-flip-rate', '0.25', '--maintenance-flip-interval-ms', String(TICK_MS), '--seed', SEED]);
    await writeFile(path.join(dir, 'paystrator.yaml'), config(sandbox.url));
  });
  afterAll(async () => {
    await capture('113 sandbox answers', answers.join('\n'));
    await sandbox?.stop();
  });

  it('flips on providers the plan does not touch are reported, and the plan applies', async () => {
    await writeFile(path.join(dir, 'providers/alpha.yaml'), fileOf('Alpha', '2'));
    const planned = await cli('plan', '--out', 'plan1.json');
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const versions = await plannedVersions('plan1.json');
    expect([...versions.keys()].sort()).toEqual(Object.keys(PROVIDERS).sort());

    const moved = await waitForMoves(versions, (m) => m.length > 0);
    // The interesting case really happened: monitoring moved someone, and not the touched provider.
    expect(moved.length).toBeGreaterThan(0);
    expect(moved).not.toContain('Alpha');

    const r = await cli('apply', 'plan1.json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const line = /^Moved since the plan, not touched by it: (.*)$/m.exec(r.stdout)?.[1];
    expect(line).toBeDefined();
    // Everything seen moved before the apply is named, at the version the plan recorded; flips
    // during the apply may add names, never remove them.
    for (const name of moved) expect(line).toContain(`${name} (version ${versions.get(name)} -> `);
    expect(line).not.toContain('Alpha');
    expect(r.stdout).toContain('Apply complete: 0 created, 1 updated, 0 status changes, 0 failed.');

    const after = (await live()).get('Alpha')!;
    expect(after.fee.percent).toBe('2');
    expect(after.status).toBe('INACTIVE');
    expect(after.version).toBe(versions.get('Alpha')! + 1);
  });

  it('a flip on the provider the plan changes makes it stale, naming only that provider', async () => {
    await writeFile(path.join(dir, 'providers/beta.yaml'), fileOf('Beta', '2'));
    const planned = await cli('plan', '--out', 'plan2.json');
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const versions = await plannedVersions('plan2.json');
    const before = versions.get('Beta')!;

    const moved = await waitForMoves(versions, (m) => m.includes('Beta'));
    expect(moved).toContain('Beta');
    const flipped = (await live()).get('Beta')!;
    expect(flipped.statusChangedBy).toBe('MONITOR');

    const r = await cli('apply', 'plan2.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Beta changed live since the plan \\(version ${before} -> \\d+\\)`));
    expect(r.stderr).toContain('The saved plan is stale: nothing was applied.');
    // A fee change moves no coverage, so no other provider's flip counts against the plan.
    expect(r.stderr.match(/changed live since the plan/g)).toHaveLength(1);
    expect(r.stdout).not.toContain('Apply complete');

    const after = (await live()).get('Beta')!;
    expect(after.fee.percent).toBe('1.5');
  });
});
