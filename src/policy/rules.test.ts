import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PolicyRule } from '../generated/config.js';
import type { DesiredProvider } from '../model/state.js';
import type { DesiredSequence } from '../model/sequence.js';
import { checkRules, MAX_RULE_COST } from './rules.js';
import { FieldPositions } from '../model/positions.js';

/** The examples docs/policy.md ships, exactly as the page shows them. */
function docExamples(): PolicyRule[] {
  const page = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
  const block = /<!-- policy-examples: begin -->\s*```yaml\n([\s\S]*?)```\s*<!-- policy-examples: end -->/.exec(page);
  if (!block) throw new Error('docs/policy.md lost its policy-examples block');
  return (parse(block[1]!) as { policy: { rules: PolicyRule[] } }).policy.rules;
}

let line = 0;
function provider(name: string, o: { percent?: string; services?: string[]; status?: 'ACTIVE' | 'MAINTENANCE' | 'INACTIVE'; vat?: string } = {}): DesiredProvider {
  const file = `providers/${name}.yaml`;
  line += 10;
  return {
    file,
    positions: FieldPositions.of(file, { '': { line, col: 1 } }),
    secretRefs: { clientSecret: { store: 'env', name: 'S' } },
    state: {
      name,
      type: 'AGGREGATOR',
      integration: 'xendit',
      services: o.services ?? ['VIRTUAL_ACCOUNT', 'EWALLET'],
      credentials: { clientKey: { kind: 'plain', value: 'k' }, clientSecret: { kind: 'secret', fingerprint: null } },
      fee: o.percent === undefined ? { type: 'FLAT', amount: '1000', currency: 'IDR' } : { type: 'PERCENTAGE', percent: o.percent },
      tax: { vatPercent: o.vat ?? '11', applyVat: true },
      status: o.status ?? 'ACTIVE',
      labels: { team: 'payments' },
    },
  };
}

const sequence = (providers: string[]): DesiredSequence => ({ product: 'VIRTUAL_ACCOUNT', destination: null, providers, file: 'providers/seq.yaml', line: 3, col: 1, providerPositions: [] });

const config = { file: 'paystrator.yaml', pos: (p: readonly (string | number)[]) => ({ line: 100 + Number(p[2] ?? 0) * 10 + (p[3] === 'expr' ? 2 : 0), col: 7 }) };
const rule = (expr: string, extra: Partial<PolicyRule> = {}): PolicyRule => ({ name: 'r', match: { kind: 'Provider' }, expr, message: 'no', ...extra });

describe('the documented example rules', () => {
  const rules = docExamples();

  it('pass on an account that follows them', () => {
    const out = checkRules(rules, config, { providers: [provider('a', { percent: '1.5' }), provider('b')], sequences: [sequence(['a', 'b'])] });
    expect(out).toEqual([]);
  });

  it('name each failing rule at the document, and an account rule at its line in the config', () => {
    const out = checkRules(rules, config, {
      providers: [provider('cheap', { percent: '2.5' }), provider('card', { percent: '2.5', services: ['CREDIT_CARD'], vat: '10' }), provider('down', { status: 'MAINTENANCE' })],
      sequences: [sequence(['cheap'])],
    });
    expect(out.map((d) => `${d.severity} ${d.file}:${d.line} ${d.message}`)).toEqual([
      expect.stringMatching(/^error providers\/cheap\.yaml:\d+ policy rule fee-ceiling: percentage fees above 2%/),
      'warning paystrator.yaml:110 policy rule failover: every payment service keeps two ACTIVE providers for failover',
      expect.stringMatching(/^error providers\/card\.yaml:\d+ policy rule vat-rate: VAT is 0%, 11% or 12%$/),
      'error providers/seq.yaml:3 policy rule sequence-failover: every routing sequence names at least two providers',
    ]);
  });
});

describe('a rule that cannot run is an error at its line in the config', () => {
  const only = (r: PolicyRule) => checkRules([r], config, { providers: [provider('a', { percent: '1' })], sequences: [] });

  it('does not compile', () => {
    expect(only(rule('spec.fee.percent <<< 3'))).toEqual([expect.objectContaining({ severity: 'error', file: 'paystrator.yaml', line: 102, message: expect.stringMatching(/^policy rule r does not compile: /) })]);
  });

  it('names an unknown variable (a document rule does not see the account)', () => {
    const [d] = only(rule('providers.size() > 1'));
    expect(d).toMatchObject({ severity: 'error', line: 102, message: expect.stringContaining('Unknown variable: providers') });
    expect(d!.message).toContain('a document rule sees apiVersion, kind, metadata, spec');
  });

  it('does not return a bool', () => {
    expect(only(rule('metadata.name + "x"'))).toEqual([expect.objectContaining({ line: 102, message: 'policy rule r returns string, not bool: a rule is a condition that holds' })]);
    expect(only(rule('spec.services'))).toEqual([expect.objectContaining({ line: 102, message: expect.stringContaining('returned object, not bool') })]);
  });

  it('is too costly: a pathological expression is refused before it runs', () => {
    const big = `[${Array.from({ length: 500 }, (_, i) => i).join(',')}]`;
    const expr = `${big}.all(a, ${big}.all(b, ${big}.exists(c, a + b + c < 0)))`;
    const [d] = checkRules([rule(expr, { scope: 'account', match: undefined })], config, { providers: [], sequences: [] });
    expect(d).toMatchObject({ severity: 'error', line: 102, message: expect.stringContaining(`limit ${MAX_RULE_COST}`) });
  });

  it('needs a match or scope: account', () => {
    expect(only({ name: 'x', expr: 'true', message: 'm' })).toEqual([expect.objectContaining({ line: 100, message: expect.stringContaining('needs match') })]);
  });
});

describe('what a rule sees', () => {
  it('decimals as canonical strings, secrets as references only', () => {
    const p = provider('a', { percent: '1.25' });
    expect(checkRules([rule('spec.fee.percent == "1.25" && double(spec.fee.percent) > 1.2 && spec.credentials.clientSecret.secretRef.name == "S" && spec.credentials.clientKey == "k"')], config, { providers: [p], sequences: [] })).toEqual([]);
  });

  it('empty webhooks, ipWhitelist and apiKeys until those kinds exist', () => {
    expect(checkRules([{ name: 'x', scope: 'account', expr: 'webhooks.size() == 0 && ipWhitelist.size() == 0 && apiKeys.size() == 0 && sequences.size() == 0', message: 'm' }], config, { providers: [], sequences: [] })).toEqual([]);
  });

  it('an evaluation error is reported at the document', () => {
    const [d] = checkRules([rule('double(spec.fee.percent) < 3.0')], config, { providers: [provider('flat')], sequences: [] });
    expect(d).toMatchObject({ severity: 'error', file: 'providers/flat.yaml', message: expect.stringMatching(/^policy rule r could not be evaluated: /) });
  });
});
