import { describe, expect, it } from 'vitest';
import { editSequenceYaml, SequenceEditError, sequenceWriteBacks } from './write.js';
import type { ChangedSequence } from './drift.js';

const FILE = `# Routing, agreed with treasury.
apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: VIRTUAL_ACCOUNT
  providers:
    # cheapest first
    - BCA Direct   # direct debit
    - Xendit Main
    - "yes"
---
apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: VIRTUAL_ACCOUNT
  destination: BCA
  providers: [BCA Direct, Xendit Main]   # keep BCA first
`;

const def = { product: 'VIRTUAL_ACCOUNT', destination: null };

describe('sequence write-back', () => {
  it('reorders a block list, each name keeping its comment, the list\'s heading comment staying on top, and adds a new name like the others', () => {
    const out = editSequenceYaml(FILE, def, ['Xendit Main', 'BCA Direct', 'New: One']);
    expect(out).toBe(FILE.replace(`    # cheapest first
    - BCA Direct   # direct debit
    - Xendit Main
    - "yes"
`, `    # cheapest first
    - Xendit Main
    - BCA Direct   # direct debit
    - "New: One"
`));
  });

  it('rewrites a flow list in place and leaves the other documents alone', () => {
    const out = editSequenceYaml(FILE, { product: 'VIRTUAL_ACCOUNT', destination: 'BCA' }, ['Xendit Main']);
    expect(out).toBe(FILE.replace('providers: [BCA Direct, Xendit Main]   # keep BCA first', 'providers: [Xendit Main]   # keep BCA first'));
  });

  it('refuses what it cannot edit safely, and says which sequence is not in the file', () => {
    expect(() => editSequenceYaml(FILE, { product: 'EWALLET', destination: null }, ['A'])).toThrow(new SequenceEditError('no Sequence document for EWALLET (default) in the file'));
    const anchored = 'apiVersion: paystrator-gitops/v1\nkind: Sequence\nspec:\n  product: EWALLET\n  providers:\n    - &a OVO\n    - { x: 1 }\n';
    expect(() => editSequenceYaml(anchored, { product: 'EWALLET', destination: null }, ['OVO'])).toThrow(SequenceEditError);
  });

  it('writes only order changes, and says why a live list cannot go into git', () => {
    const base: ChangedSequence = { product: 'EWALLET', destination: null, file: 'r.yaml', git: ['A', 'B'], live: ['B', 'A'], liveVersion: 3, updatedAt: null, counts: true, differences: [{ kind: 'moved', provider: 'A', gitPosition: 1, livePosition: 2, counts: true }] };
    const r = sequenceWriteBacks({
      sequences: {
        declared: 4, inSync: 0, drifted: 3, missing: [], unmanaged: [],
        changed: [
          base,
          { ...base, product: 'QR_CODE', live: ['A', 'B'], differences: [{ kind: 'maintenance', provider: 'B', gitPosition: 2, livePosition: 2, status: 'MAINTENANCE', counts: true }] },
          { ...base, product: 'SEND_MONEY', live: ['A', 'B', 'X'], differences: [{ kind: 'added-live', provider: 'X', livePosition: 3, inGit: false, counts: true }] },
          { ...base, product: 'CREDIT_CARD', live: [], differences: [{ kind: 'removed-live', provider: 'A', gitPosition: 1, counts: true }] },
        ],
      },
    });
    expect(r.writes).toEqual([{ product: 'EWALLET', destination: null, file: 'r.yaml', providers: ['B', 'A'] }]);
    expect(r.skipped).toEqual([
      { sequence: 'sequence SEND_MONEY (default)', why: 'live lists "X", which git does not declare: import it first' },
      { sequence: 'sequence CREDIT_CARD (default)', why: 'it is empty live, and a Sequence document lists at least one provider: delete the document to leave the default to Paystrator' },
    ]);
  });
});
