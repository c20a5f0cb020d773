// The JSON that `drift --format json` and `list --format json` print is a published contract
// (schemas/drift-report.schema.json, schemas/provider-list.schema.json): the built CLI's real
// output, with and without drift and with list filters, must validate against those schemas.
// Every kind of entry the schemas describe is produced here: a field changed in git, a status set
// in the dashboard, a secret rotated live, a value kept by policy.ignore, a provider missing
// live, one removed from git, and one made in the dashboard that git never managed.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { ListRow } from '../../../src/render/list.js';
import type { DriftReport } from '../../../src/generated/drift-report.js';
import type { ProviderList as PublishedProviderList } from '../../../src/generated/provider-list.js';
import { openSandboxStore } from '../../../src/sandbox/store/persistence.js';
import { runCli, workspace } from '../../helpers/cli.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

async function validator(file: string): Promise<ValidateFunction> {
  // strict: a schema with a typo'd keyword fails here instead of accepting everything.
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  return ajv.compile(JSON.parse(await readFile(path.join(REPO_ROOT, 'schemas', file), 'utf8')) as object);
}

function expectValid(validate: ValidateFunction, stdout: string): void {
  const value: unknown = JSON.parse(stdout);
  const ok = validate(value);
  expect(ok, `does not match its schema:\n${validate.errors?.map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n')}\n${stdout}`).toBe(true);
}

// The types the CLI builds its output from fit the published schemas (checked by typecheck); the
// drift report's types are the generated ones (src/drift/drift.ts), so need no check here.
expectTypeOf<{ total: number; providers: (ListRow & { managedByGit: boolean })[] }>().toMatchTypeOf<PublishedProviderList>();
expectTypeOf<keyof ListRow | 'managedByGit'>().toEqualTypeOf<keyof PublishedProviderList['providers'][number]>();

describe('JSON output contracts', () => {
  let dir: string;
  let drift: ValidateFunction;
  let list: ValidateFunction;
  const json = (...args: string[]) => runCli(args, { cwd: dir });

  beforeAll(async () => {
    [drift, list] = await Promise.all([validator('drift-report.schema.json'), validator('provider-list.schema.json')]);
    dir = await workspace({}, { withExamples: true });
    const apply = await runCli(['apply', '--auto-approve'], { cwd: dir });
    expect(apply.code, apply.stderr).toBe(0);
  });

  it('validates a report without drift and the full list', async () => {
    const r = await json('drift', '--format', 'json', '--detailed-exitcode');
    expect(r.code, r.stderr).toBe(0);
    expectValid(drift, r.stdout);
    const report = JSON.parse(r.stdout) as DriftReport;
    expect(report.drift).toBe(false);
    expect(report.summary.inSync).toBe(5);

    const l = await json('list', '--format', 'json');
    expect(l.code, l.stderr).toBe(0);
    expectValid(list, l.stdout);
    expect((JSON.parse(l.stdout) as PublishedProviderList).providers.map((p) => p.git)).toEqual(['managed', 'managed', 'managed', 'managed', 'managed']);
  });

  it('validates a report with every kind of drift, and lists with filters', async () => {
    const store = await openSandboxStore(path.join(dir, '.paystrator/sandbox.json'));
    const ovo = store.getByName('OVO')!;
    store.create({ name: 'Made In Dashboard', type: ovo.type, integration: ovo.integration, services: [...ovo.services], credentials: {}, fee: { ...ovo.fee }, tax: { ...ovo.tax } }, new Set(), new Date().toISOString(), undefined, 'USER');
    store.update(store.getByName('Xendit Main')!, { credentials: { clientSecret: 'rotated-in-the-dashboard' } }, new Set(['clientSecret']), new Date().toISOString());
    await store.flush();
    await store.setStatusAs(ovo.id, 'MAINTENANCE', 'MONITOR', 'health check failed');
    await store.setStatusAs(store.getByName('DANA QRIS')!.id, 'MAINTENANCE', 'USER', 'paused by ops');
    await store.close();
    const bca = path.join(dir, 'providers/bca-direct.yaml');
    await writeFile(bca, (await readFile(bca, 'utf8')).replace('amount: 4000', 'amount: 4500'));
    await writeFile(path.join(dir, 'providers/ovo-two.yaml'), (await readFile(path.join(dir, 'providers/ovo.yaml'), 'utf8')).replace('name: OVO', 'name: OVO Two'));
    await rm(path.join(dir, 'providers/midtrans-cards.yaml'));

    for (const flags of [[], ['--no-resolve-secrets'], ['--ignore-unmanaged']]) {
      const r = await json('drift', '--format', 'json', '--detailed-exitcode', ...flags);
      expect(r.code, r.stderr).toBe(2);
      expectValid(drift, r.stdout);
    }
    const report = JSON.parse((await json('drift', '--format', 'json')).stdout) as DriftReport;
    // What the schemas are proven against: each kind of entry is in the output validated above.
    expect(report.changed.map((c) => c.name)).toEqual(['BCA Direct', 'DANA QRIS', 'Xendit Main']);
    expect(report.changed.flatMap((c) => c.fields.map((f) => f.field))).toEqual(expect.arrayContaining(['spec.fee.amount', 'spec.status']));
    expect(report.changed.find((c) => c.name === 'DANA QRIS')!.fields).toContainEqual({ field: 'spec.status', git: 'ACTIVE', live: 'MAINTENANCE', changedBy: 'USER', reason: 'paused by ops' });
    expect(report.changed.find((c) => c.name === 'Xendit Main')!.secrets).toEqual([expect.objectContaining({ field: 'spec.credentials.clientSecret', kind: 'rotated-live' })]);
    expect(report.noted.map((n) => n.name)).toEqual(['OVO']);
    expect(report.missing).toEqual([{ name: 'OVO Two', file: 'providers/ovo-two.yaml', line: 5 }]);
    expect(report.unmanaged.map((u) => [u.name, u.removedFromGit])).toEqual([
      ['Made In Dashboard', false],
      ['Midtrans Cards', true],
    ]);

    const cases: [string[], string[]][] = [
      [[], ['BCA Direct', 'DANA QRIS', 'Made In Dashboard', 'Midtrans Cards', 'OVO', 'Xendit Main']],
      [['--service', 'EWALLET', '--status', 'MAINTENANCE'], ['DANA QRIS', 'OVO']],
      [['--search', 'dashboard'], ['Made In Dashboard']],
      [['--search', 'no such provider'], []],
    ];
    for (const [flags, names] of cases) {
      const r = await json('list', '--format', 'json', ...flags);
      expect(r.code, r.stderr).toBe(0);
      expectValid(list, r.stdout);
      const out = JSON.parse(r.stdout) as PublishedProviderList;
      expect(out.total).toBe(6);
      expect(out.providers.map((p) => p.name).sort()).toEqual(names);
    }
  });

  it('rejects output that breaks the contract, so the checks above can fail', async () => {
    const r = await json('list', '--format', 'json', '--search', 'OVO');
    const out = JSON.parse(r.stdout) as { providers: Record<string, unknown>[] };
    out.providers[0]!.surprise = true;
    expect(list(out)).toBe(false);
    const d = JSON.parse((await json('drift', '--format', 'json')).stdout) as Record<string, unknown>;
    delete d.summary;
    expect(drift(d)).toBe(false);
  });
});
