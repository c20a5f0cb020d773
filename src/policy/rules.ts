// The company's own rules (policy.rules), in CEL. Pure: the desired model and the rules in,
// diagnostics out. The evaluator is @marcbachmann/cel-js; what this module adds is the shape of
// what a rule sees, where its failures point, and a cost bound decided before anything runs.
import { Environment } from '@marcbachmann/cel-js';
import { error, warning, type Diagnostic } from '../diagnostics.js';
import type { PolicyRule } from '../generated/config.js';
import type { DesiredProvider } from '../model/state.js';
import type { DesiredSequence } from '../model/sequence.js';

export const API_VERSION = 'paystrator-gitops/v1';

/**
 * The most work one rule may do over the data it is given, in evaluation steps (an upper bound
 * estimated from its syntax tree and the sizes of the lists it can reach). CEL has no loops, so
 * nested comprehensions over large lists are the only way to be slow: refused before running.
 */
export const MAX_RULE_COST = 1_000_000;

export interface RuleInputs {
  providers: readonly DesiredProvider[];
  sequences: readonly DesiredSequence[];
}

export interface RuleConfig {
  /** The config file as the user named it. */
  file: string;
  /** Where a config path is written (the config loader's positions). */
  pos?: (path: readonly (string | number)[]) => { line: number; col: number };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A Provider document as a rule sees it: as written in git, money and percentages as decimal strings. */
export function providerDocument(d: DesiredProvider): { [k: string]: Json } {
  const s = d.state;
  const credentials: { [k: string]: Json } = {};
  for (const [field, c] of Object.entries(s.credentials)) {
    const ref = d.secretRefs[field];
    if (ref) credentials[field] = { secretRef: { store: ref.store, name: ref.name } };
    else if (c.kind === 'plain') credentials[field] = c.value;
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Provider',
    metadata: { name: s.name, labels: { ...s.labels } },
    spec: {
      type: s.type,
      integration: s.integration,
      services: [...s.services],
      credentials,
      fee: JSON.parse(JSON.stringify(s.fee)) as Json,
      tax: JSON.parse(JSON.stringify(s.tax)) as Json,
      status: s.status,
    },
  };
}

export function sequenceDocument(q: DesiredSequence): { [k: string]: Json } {
  return {
    apiVersion: API_VERSION,
    kind: 'Sequence',
    metadata: {},
    spec: { product: q.product, ...(q.destination !== null ? { destination: q.destination } : {}), providers: [...q.providers] },
  };
}

/** CEL's int is a 64-bit integer (a BigInt here); a fractional number is a double. */
function toCel(v: Json): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  return v;
}

/** The longest list (or map, or string) anywhere in the data: what a comprehension can iterate over. */
function largest(v: Json): number {
  if (Array.isArray(v)) return v.reduce<number>((m, x) => Math.max(m, largest(x)), v.length);
  if (v && typeof v === 'object') return Object.values(v).reduce<number>((m, x) => Math.max(m, largest(x)), Object.keys(v).length);
  return typeof v === 'string' ? v.length : 0;
}

const DOCUMENT_VARIABLES = { apiVersion: 'string', kind: 'string', metadata: 'map', spec: 'map' } as const;
const ACCOUNT_VARIABLES = { providers: 'list', sequences: 'list', webhooks: 'map', ipWhitelist: 'map', apiKeys: 'list' } as const;

function environment(vars: Record<string, string>): Environment {
  const env = new Environment({ limits: { maxAstNodes: 5000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 } });
  for (const [name, type] of Object.entries(vars)) env.registerVariable(name, type);
  return env;
}

interface Node {
  op: string;
  args: unknown;
}
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as Node).op === 'string';

function children(v: unknown, out: Node[] = []): Node[] {
  if (isNode(v)) out.push(v);
  else if (Array.isArray(v)) for (const x of v) children(x, out);
  return out;
}

/** Macros that run their body once per element of their receiver. */
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter', 'transformList', 'transformMap', 'sortBy']);

function astFacts(node: Node, facts = { literal: 0, concat: 0 }) {
  if (node.op === 'list' || node.op === 'map') facts.literal = Math.max(facts.literal, children(node.args).length);
  if (node.op === '+') facts.concat += 1;
  if (node.op === 'value' && typeof node.args === 'string') facts.literal = Math.max(facts.literal, node.args.length);
  for (const c of children(node.args)) astFacts(c, facts);
  return facts;
}

/** Steps one evaluation can take at most, when no list it reaches is longer than `size`. */
function cost(node: Node, size: number): number {
  if (node.op === 'rcall' && Array.isArray(node.args) && COMPREHENSIONS.has(String(node.args[0]))) {
    const [, receiver, body] = node.args as [string, unknown, unknown];
    const inner = children(body).reduce((n, c) => n + cost(c, size), 0);
    return 1 + children(receiver).reduce((n, c) => n + cost(c, size), 0) + size * inner;
  }
  return 1 + children(node.args).reduce((n, c) => n + cost(c, size), 0);
}

/** The cost bound of a rule over data whose largest collection has `dataSize` entries. */
export function estimateCost(ast: unknown, dataSize: number): number {
  if (!isNode(ast)) return 1;
  const facts = astFacts(ast);
  // Concatenation can double a list per `+`: the bound grows with it.
  const size = Math.max(1, dataSize, facts.literal) * 2 ** Math.min(facts.concat, 40);
  return cost(ast, size);
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();

interface Compiled {
  rule: PolicyRule;
  index: number;
  run: ((ctx: Record<string, unknown>) => unknown) & { ast: unknown };
}

/**
 * Every rule's failures (severity as the rule says) and every rule that cannot run (always an
 * error, at its line in the config): it does not compile, names an unknown variable, does not
 * return a bool, or would cost more than MAX_RULE_COST.
 */
export function checkRules(rules: readonly PolicyRule[], config: RuleConfig, inputs: RuleInputs): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (i: number, field?: string) => {
    const p = config.pos?.(['policy', 'rules', i, ...(field ? [field] : [])]);
    return { file: config.file, ...(p ? { line: p.line, col: p.col } : {}), field: `policy.rules[${i}]${field ? `.${field}` : ''}`, rule: 'policy-rule' };
  };
  const providers = inputs.providers.map((d) => ({ d, doc: providerDocument(d) }));
  const sequences = inputs.sequences.map((q) => ({ q, doc: sequenceDocument(q) }));
  const envs = { document: environment(DOCUMENT_VARIABLES), account: environment(ACCOUNT_VARIABLES) };

  rules.forEach((rule, index) => {
    const scope = rule.scope === 'account' ? 'account' : 'document';
    const env = envs[scope];
    if (scope === 'document' && !rule.match) {
      out.push(error(`policy rule ${rule.name} needs match: { kind: Provider | Sequence } (a rule per document) or scope: account (one rule over the whole account)`, at(index)));
      return;
    }
    if (scope === 'account' && rule.match) {
      out.push(error(`policy rule ${rule.name}: an account rule (scope: account) sees the whole account and takes no match`, at(index, 'match')));
      return;
    }
    let compiled: Compiled;
    try {
      const run = env.parse(rule.expr) as Compiled['run'] & { check(): { valid: boolean; type?: unknown; error?: unknown } };
      const checked = run.check();
      if (!checked.valid) {
        const vars = Object.keys(scope === 'account' ? ACCOUNT_VARIABLES : DOCUMENT_VARIABLES).join(', ');
        out.push(error(`policy rule ${rule.name} does not compile: ${firstLine(checked.error)} (${scope === 'account' ? 'an account' : 'a document'} rule sees ${vars})`, at(index, 'expr')));
        return;
      }
      const type = String(checked.type);
      if (type !== 'bool' && type !== 'dyn') {
        out.push(error(`policy rule ${rule.name} returns ${type}, not bool: a rule is a condition that holds`, at(index, 'expr')));
        return;
      }
      compiled = { rule, index, run };
    } catch (e) {
      out.push(error(`policy rule ${rule.name} does not compile: ${firstLine(e)}`, at(index, 'expr')));
      return;
    }

    const targets: { ctx: Record<string, Json>; where: Omit<Diagnostic, 'severity' | 'message'> }[] = [];
    if (scope === 'account') {
      targets.push({
        ctx: { providers: providers.map((p) => p.doc), sequences: sequences.map((s) => s.doc), webhooks: {}, ipWhitelist: {}, apiKeys: [] },
        where: at(index),
      });
    } else if (rule.match?.kind === 'Provider') {
      for (const { d, doc } of providers) {
        const p = d.positions.get('') ?? d.positions.get('metadata.name');
        targets.push({ ctx: doc, where: { file: d.file, ...(p ? { line: p.line, col: p.col } : {}), field: 'policy', rule: 'policy-rule' } });
      }
    } else {
      for (const { q, doc } of sequences) targets.push({ ctx: doc, where: { file: q.file, line: q.line, col: q.col, field: 'policy', rule: 'policy-rule' } });
    }
    const dataSize = targets.reduce((m, t) => Math.max(m, largest(t.ctx)), 0);
    const estimated = estimateCost(compiled.run.ast, dataSize);
    if (estimated > MAX_RULE_COST) {
      const shown = estimated > 1e15 ? 'astronomical' : String(Math.round(estimated));
      out.push(error(`policy rule ${rule.name} is too costly to evaluate (estimated ${shown} steps, limit ${MAX_RULE_COST}): nest fewer comprehensions (all, exists, map, filter) over large lists`, at(index, 'expr')));
      return;
    }
    const report = rule.severity === 'warning' ? warning : error;
    for (const t of targets) {
      let result: unknown;
      try {
        result = compiled.run(toCel(t.ctx) as Record<string, unknown>);
      } catch (e) {
        out.push(error(`policy rule ${rule.name} could not be evaluated: ${firstLine(e)}`, { ...t.where }));
        continue;
      }
      if (typeof result !== 'boolean') {
        out.push(error(`policy rule ${rule.name} returned ${typeof result === 'bigint' ? 'int' : typeof result}, not bool: a rule is a condition that holds`, at(index, 'expr')));
        break;
      }
      if (!result) out.push(report(`policy rule ${rule.name}: ${rule.message}`, t.where));
    }
  });
  return out;
}
