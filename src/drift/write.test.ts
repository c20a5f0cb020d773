import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { editProviderYaml, editsFor, EditError } from './write.js';

const FILE = `# yaml-language-server: $schema=../schemas/provider.schema.json
# Owned by the payments team.
apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: Xendit Main          # the live name
  labels: { team: payments }
spec:
  type: AGGREGATOR           # DIRECT | AGGREGATOR
  integration: xendit
  services: [VIRTUAL_ACCOUNT, QR_CODE, EWALLET]
  credentials:
    clientKey: xnd_development_P4k7
    clientSecret: { secretRef: { store: env, name: XENDIT_SECRET } }
  fee: { type: PERCENTAGE, percent: "1.5" }   # agreed in 2024
  tax: { vatPercent: "11", applyVat: true }
  status: ACTIVE
`;

const BLOCK = `apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: BCA Direct
  labels:
    team: treasury   # cost centre 12
    tier: gold
spec:
  type: DIRECT
  integration: bca
  services:
    - VIRTUAL_ACCOUNT   # the main one
    - SEND_MONEY
  credentials:
    clientKey: bca-client-7f3a
  fee:
    type: FLAT
    amount: 4000      # rupiah
    currency: IDR
  tax:
    vatPercent: 11
    applyVat: true
`;

/** Lines that differ between two texts, as [before, after] pairs of the changed region. */
function changedLines(a: string, b: string): { removed: string[]; added: string[] } {
  const x = a.split('\n');
  const y = b.split('\n');
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  return { removed: x.slice(head, x.length - tail), added: y.slice(head, y.length - tail) };
}

describe('editProviderYaml', () => {
  it('changes only the drifted scalar, keeping comments, quoting and flow style', () => {
    const out = editProviderYaml(FILE, 'Xendit Main', [{ field: 'spec.fee.percent', value: '2.25' }]);
    expect(changedLines(FILE, out)).toEqual({
      removed: ['  fee: { type: PERCENTAGE, percent: "1.5" }   # agreed in 2024'],
      added: ['  fee: { type: PERCENTAGE, percent: "2.25" }   # agreed in 2024'],
    });
  });

  it('writes decimals as strings even where the file had a number', () => {
    const out = editProviderYaml(BLOCK, 'BCA Direct', [
      { field: 'spec.fee.amount', value: '5000' },
      { field: 'spec.tax.vatPercent', value: '12' },
    ]);
    expect(out).toContain('    amount: "5000"      # rupiah\n');
    expect(out).toContain('    vatPercent: "12"\n');
    expect(parse(out).spec.fee.amount).toBe('5000');
  });

  it('edits a block list item by item: kept items and their comments stay, new ones are appended', () => {
    const out = editProviderYaml(BLOCK, 'BCA Direct', [{ field: 'spec.services', value: ['EWALLET', 'VIRTUAL_ACCOUNT'] }]);
    expect(out).toContain('  services:\n    - VIRTUAL_ACCOUNT   # the main one\n    - EWALLET\n  credentials:');
    expect(out).not.toContain('SEND_MONEY');
  });

  it('keeps the order of a flow list and its spacing', () => {
    const out = editProviderYaml(FILE, 'Xendit Main', [{ field: 'spec.services', value: ['EWALLET', 'SEND_MONEY', 'VIRTUAL_ACCOUNT'] }]);
    expect(out).toContain('  services: [VIRTUAL_ACCOUNT, EWALLET, SEND_MONEY]\n');
    const spaced = FILE.replace('[VIRTUAL_ACCOUNT, QR_CODE, EWALLET]', '[ VIRTUAL_ACCOUNT, QR_CODE ]');
    expect(editProviderYaml(spaced, 'Xendit Main', [{ field: 'spec.services', value: ['VIRTUAL_ACCOUNT'] }])).toContain('services: [ VIRTUAL_ACCOUNT ]\n');
  });

  it('adds, changes and removes labels in a block mapping line by line', () => {
    const out = editProviderYaml(BLOCK, 'BCA Direct', [
      { field: 'metadata.labels.team', value: 'ops' },
      { field: 'metadata.labels.tier', value: undefined },
      { field: 'metadata.labels.app.io/owner', value: 'Jane Doe' },
    ]);
    expect(out).toContain('  labels:\n    team: ops   # cost centre 12\n    app.io/owner: Jane Doe\nspec:');
    expect(parse(out).metadata.labels).toEqual({ team: 'ops', 'app.io/owner': 'Jane Doe' });
  });

  it('rewrites a flow mapping of labels whole when a key comes or goes', () => {
    const out = editProviderYaml(FILE, 'Xendit Main', [
      { field: 'metadata.labels.team', value: 'risk' },
      { field: 'metadata.labels.region', value: 'id-jkt' },
    ]);
    expect(out).toContain('  labels: { team: risk, region: id-jkt }\n');
  });

  it('inserts a field the file left to its default', () => {
    const noStatus = FILE.replace('  status: ACTIVE\n', '');
    const out = editProviderYaml(noStatus, 'Xendit Main', [{ field: 'spec.status', value: 'MAINTENANCE' }]);
    expect(out).toBe(FILE.replace('status: ACTIVE', 'status: MAINTENANCE'));
  });

  it('changes a fee from a percentage to a flat amount in flow and in block style', () => {
    const flat = { type: 'FLAT', amount: '2500', currency: 'IDR' };
    const flow = editProviderYaml(FILE, 'Xendit Main', [{ field: 'spec.fee', value: flat }]);
    expect(flow).toContain('  fee: { type: FLAT, amount: "2500", currency: IDR }   # agreed in 2024\n');
    const block = editProviderYaml(BLOCK, 'BCA Direct', [{ field: 'spec.fee', value: { type: 'PERCENTAGE', percent: '0.7' } }]);
    expect(block).toContain('  fee:\n    type: PERCENTAGE\n    percent: "0.7"\n  tax:');
  });

  it('edits only the named document of a file with several', () => {
    const other = FILE.replace('Xendit Main', 'Xendit Backup').replace(/^# .*\n/gm, '');
    const text = `${FILE}---\n${other}`;
    const out = editProviderYaml(text, 'Xendit Backup', [{ field: 'spec.status', value: 'INACTIVE' }]);
    const docs = parseAllDocuments(out) as unknown as { toJS(): { metadata: { name: string }; spec: { status: string } } }[];
    expect(docs.map((d) => [d.toJS().metadata.name, d.toJS().spec.status])).toEqual([
      ['Xendit Main', 'ACTIVE'],
      ['Xendit Backup', 'INACTIVE'],
    ]);
    expect(out.startsWith(FILE)).toBe(true);
  });

  it('quotes a value that plain YAML would read as something else', () => {
    for (const value of ['yes', '123', 'a: b', '#tag', 'x, y', "it's", 'line\nbreak', '']) {
      const out = editProviderYaml(FILE, 'Xendit Main', [{ field: 'spec.credentials.clientKey', value }]);
      expect(parse(out).spec.credentials.clientKey).toBe(value);
    }
  });

  it('refuses what it cannot edit safely, naming the reason', () => {
    const aliased = `base: &fee { type: PERCENTAGE, percent: "1" }\n${FILE.replace('fee: { type: PERCENTAGE, percent: "1.5" }', 'fee: *fee')}`;
    expect(() => editProviderYaml(aliased, 'Xendit Main', [{ field: 'spec.fee.percent', value: '2' }])).toThrow(/alias/);
    expect(() => editProviderYaml(FILE, 'Nobody', [{ field: 'spec.status', value: 'ACTIVE' }])).toThrow(EditError);
    expect(() => editProviderYaml('a: [\n', 'X', [])).toThrow(/YAML errors/);
  });

  it('any label value round-trips through an edit (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.stringMatching(/^[a-z][a-z0-9./-]{0,15}$/), (value, key) => {
        for (const text of [FILE, BLOCK]) {
          const name = text === FILE ? 'Xendit Main' : 'BCA Direct';
          const out = editProviderYaml(text, name, [{ field: `metadata.labels.${key}`, value }]);
          expect(parse(out).metadata.labels[key]).toBe(value);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('editsFor', () => {
  it('writes live values of plain fields, never secrets or the ownership label', () => {
    const r = editsFor({
      name: 'X', file: 'x.yaml', id: 'p1', liveVersion: 3, updatedAt: '2025-01-01T00:00:00Z', notes: [],
      fields: [
        { field: 'spec.fee.percent', git: '1.5', live: '2' },
        { field: 'metadata.labels.managed-by', git: 'paystrator-gitops' },
      ],
      secrets: [{ field: 'spec.credentials.clientSecret', kind: 'rotated-live', liveVersion: 3, writtenVersion: 2 }],
    });
    expect(r.edits).toEqual([{ field: 'spec.fee.percent', value: '2' }]);
    expect(r.skipped.map((s) => s.field)).toEqual(['metadata.labels.managed-by', 'spec.credentials.clientSecret']);
    expect(r.skipped[1]!.why).toContain('To keep the new value, put it in the secret store');
  });
});
