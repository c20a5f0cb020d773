// The one owner of saved plan files (Terraform's internal/plans/planfile habit): writing, reading,
// validating against schemas/plan.schema.json and the version rules. Everything else handles a
// Plan value; only this module knows how it looks on disk.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { error, ExitError, type Diagnostic } from '../diagnostics.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { PLAN_FORMAT_VERSION, type Plan } from './plan.js';
import { redact } from '../text/redact.js';

// Compiled ahead (scripts/gen-types.mjs) and loaded by the first plan file read: `plan`, which
// only writes them, does not load it. The build keeps this require a file of its own.
let planValidator: ValidateFunction | undefined;
/** What makes the value no plan file, by schemas/plan.schema.json; undefined when it is one. */
function planFileErrors(value: unknown): ErrorObject[] | undefined {
  planValidator ??= (createRequire(import.meta.url)('../generated/plan-validator.cjs') as { plan: ValidateFunction }).plan;
  return planValidator(value) ? undefined : (planValidator.errors ?? []);
}

/** A plan as stored: the Plan plus the digest of its content. */
export type PlanFile = Plan & { digest: string };

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    // No prototype: a "__proto__" key read from a file stays a key (and counts in the digest).
    const out = Object.create(null) as Record<string, JsonValue>;
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v as JsonValue;
}

/**
 * sha256 over the canonical JSON of everything but the digest. It catches a plan edited by hand or
 * by a script; it is not a signature (anyone can recompute it), and apply re-checks a saved plan
 * against live state and the input files anyway.
 */
export function planDigest(plan: Plan): string {
  const rest: Record<string, unknown> = { ...plan };
  delete rest.digest;
  return `sha256:${createHash('sha256').update(canonicalJson(rest)).digest('hex')}`;
}

/** The plan as its file holds it (and as `plan --format json` prints it): pretty JSON with its digest. */
export function serializePlan(plan: Plan): string {
  const rest: Record<string, unknown> = { ...plan };
  delete rest.digest;
  // A plan holds no secret value, but it quotes outside text (live names, API notes): it passes
  // the run's redactor like every other output, before the digest, so the file still verifies.
  const safe = JSON.parse(redact(JSON.stringify(rest))) as Plan;
  return JSON.stringify({ ...safe, digest: planDigest(safe) }, null, 2) + '\n';
}

export async function writePlanFile(file: string, plan: Plan): Promise<void> {
  try {
    await writeFile(file, serializePlan(plan), { mode: 0o600 });
  } catch (e) {
    throw new ExitError([error(`cannot write the plan file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file })]);
  }
}

/**
 * Releases that may read each other's plans: the same major version, or under 0.x the same minor
 * (semver: 0.y releases may break anything).
 */
export function compatibilityLine(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.\d+/.exec(version);
  if (!m) return undefined;
  return m[1] === '0' ? `0.${m[2]}` : m[1];
}

export interface ReadOptions {
  /** The version of the tool reading (TOOL_VERSION). */
  toolVersion: string;
}

/** 1-based line and column of a character offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/**
 * Where JSON.parse gave up, found by scanning: Node 20's messages carry a position for some errors
 * only. Returns the offset of the first character that cannot continue a JSON text.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    // The offset alone, caught by the one caller below that turns it into a line and column.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw i;
  };
  const lit = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m || !m[0]) fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    return num();
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail();
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length);
    throw at;
  }
  return text.length;
}

const refuse = (file: string, message: string, at: Omit<Diagnostic, 'severity' | 'message' | 'file'> = {}) => new ExitError([error(message, { file, rule: 'plan-file', ...at })]);
const REMAKE = 'make a new plan with this version: paystrator-gitops plan --out';
const remake = (file: string) => `make a new plan: paystrator-gitops plan --out ${file}`;

/** Parses, checks versions, validates and checks the digest of a plan file's text. */
export function parsePlanFile(text: string, file: string, opts: ReadOptions): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    const body = text.replace(/^\uFEFF/, '');
    const at = lineCol(body, jsonErrorOffset(body));
    throw refuse(file, 'not a plan file: the file is not valid JSON (a plan is written by `paystrator-gitops plan --out`)', at);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw refuse(file, 'not a plan file written by `paystrator-gitops plan --out`');
  const v = value as Record<string, unknown>;
  // Versions first: a plan of another format may fail the schema in ways that say less than this.
  const tool = v.tool as { name?: unknown; version?: unknown } | undefined;
  const written = typeof tool?.version === 'string' ? tool.version : undefined;
  if (tool?.name !== 'paystrator-gitops' || written === undefined || v.formatVersion === undefined) {
    throw refuse(file, 'not a plan file written by `paystrator-gitops plan --out`');
  }
  const theirs = compatibilityLine(written);
  const ours = compatibilityLine(opts.toolVersion);
  if (theirs === undefined || theirs !== ours) {
    throw refuse(file, `this plan was written by paystrator-gitops ${written}; this is ${opts.toolVersion}: ${REMAKE}`, { field: 'tool.version' });
  }
  if (v.formatVersion !== PLAN_FORMAT_VERSION) {
    throw refuse(file, `this plan has format version ${JSON.stringify(v.formatVersion)} (written by paystrator-gitops ${written}); this is ${opts.toolVersion}, which reads plan format ${PLAN_FORMAT_VERSION}: ${REMAKE}`, { field: 'formatVersion' });
  }
  const invalid = planFileErrors(value);
  if (invalid) {
    const first = invalid[0];
    const where = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : undefined;
    throw refuse(file, `not a valid plan file (${first?.message ?? 'schema'}); was it edited by hand? ${remake(file)}`, where ? { field: where } : {});
  }
  const plan = value as PlanFile;
  if (planDigest(plan) !== plan.digest) {
    throw refuse(file, `the plan file was changed after \`plan --out\` wrote it (its digest does not match its content); a saved plan is applied only as written: ${remake(file)}`, { field: 'digest' });
  }
  const out: Record<string, unknown> = { ...plan };
  delete out.digest;
  return out as unknown as Plan;
}

export async function readPlanFile(file: string, opts: ReadOptions): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'error');
    throw new ExitError([error(`cannot read plan file: ${why}`, { file, rule: 'plan-file' })]);
  }
  return parsePlanFile(text, file, opts);
}
