import { describe, expect, it } from 'vitest';
import { ExitError } from '../diagnostics.js';
import { buildPlan } from './build.js';
import { canonicalJson, compatibilityLine, jsonErrorOffset, parsePlanFile, serializePlan } from './planfile.js';
import { desiredProvider, liveProvider, planInput, providerState } from '../../test/helpers/states.js';

const plan = buildPlan(planInput([desiredProvider(providerState('A', { fee: { type: 'PERCENTAGE', percent: '2' } }))], [liveProvider(providerState('A'), { version: 3 })], { toolVersion: '0.1.0' }));
const read = (text: string, toolVersion = '0.1.0') => parsePlanFile(text, 'plan.json', { toolVersion });

function refusal(f: () => unknown): { message: string; file?: string; line?: number; col?: number; field?: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ExitError);
    return (e as ExitError).diagnostics[0]!;
  }
  throw new Error('not refused');
}

describe('plan files', () => {
  it('read back exactly what was written', () => {
    expect(read(serializePlan(plan))).toEqual(JSON.parse(JSON.stringify(plan)));
  });

  it('have a digest independent of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const file = JSON.parse(serializePlan(plan)) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(file).reverse());
    expect(read(JSON.stringify(reordered)).inputsHash).toBe(plan.inputsHash);
  });

  it('refuse a plan edited by hand, naming the file', () => {
    const edited = serializePlan(plan).replace('"percent": "2"', '"percent": "9"');
    expect(edited).not.toBe(serializePlan(plan));
    expect(refusal(() => read(edited))).toMatchObject({ file: 'plan.json', field: 'digest', message: expect.stringContaining('the plan file was changed after `plan --out` wrote it') });
    const withProto = serializePlan(plan).replace('"percent": "2"', '"percent": "2", "__proto__": { "x": 1 }');
    expect(withProto).toContain('__proto__');
    expect(refusal(() => read(withProto))).toMatchObject({ field: 'digest' });
    // A structural edit fails the schema first.
    const file = JSON.parse(serializePlan(plan)) as { changes: { action: string }[] };
    file.changes[0]!.action = 'delete';
    expect(refusal(() => read(JSON.stringify(file)))).toMatchObject({ field: 'changes.0.action', message: expect.stringContaining('not a valid plan file') });
  });

  it('refuse another major version (0.x: another minor) or plan format, naming both versions', () => {
    const by = (v: string) => serializePlan({ ...plan, tool: { name: 'paystrator-gitops', version: v } });
    expect(refusal(() => read(by('2.1.0'))).message).toBe('this plan was written by paystrator-gitops 2.1.0; this is 0.1.0: make a new plan with this version: paystrator-gitops plan --out');
    expect(refusal(() => read(by('0.2.0'))).message).toContain('written by paystrator-gitops 0.2.0; this is 0.1.0');
    expect(read(by('0.1.7')).tool.version).toBe('0.1.7');
    expect(read(by('2.0.0'), '2.4.1').tool.version).toBe('2.0.0');
    expect(refusal(() => read(serializePlan({ ...plan, formatVersion: 1 }))).message).toContain('this plan has format version 1');
    expect(compatibilityLine('1.2.3')).toBe('1');
    expect(compatibilityLine('0.3.0-rc.1')).toBe('0.3');
  });

  it('say where JSON is broken and what is not a plan', () => {
    expect(refusal(() => read('{\n  "formatVersion": 2,\n  oops\n}'))).toMatchObject({ file: 'plan.json', line: 3, col: 3, message: expect.stringContaining('not valid JSON') });
    expect(refusal(() => read('{"hello": 1}')).message).toBe('not a plan file written by `paystrator-gitops plan --out`');
    expect(refusal(() => read('[]')).message).toBe('not a plan file written by `paystrator-gitops plan --out`');
  });
});

describe('jsonErrorOffset', () => {
  it('points at the first character that cannot continue the JSON text', () => {
    const cases: [string, number][] = [
      ['{"a": 1,}', 8],
      ['{"a": tru}', 9],
      ['[1, 2', 5],
      ['{"a": "x\ny"}', 8],
      ['{"a": 01}', 7],
      ['{} x', 3],
      ['', 0],
      ['{"tool": \n}', 10],
    ];
    for (const [text, offset] of cases) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(jsonErrorOffset(text), text).toBe(offset);
    }
    expect(jsonErrorOffset('['.repeat(10_000))).toBe(513);
  });
});
