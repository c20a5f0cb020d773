import { error, type Diagnostic } from '../diagnostics.js';
import { PLAN_FORMAT_VERSION, type Plan, type ProviderChange } from './plan.js';

const comparable = (c: ProviderChange) => JSON.stringify([c.action, c.id, c.liveVersion, c.fields, c.operations]);

/**
 * A saved plan may be applied only if planning again now would give the very same plan: same
 * inputs, same live versions, same secret fingerprints. Returns one error per provider that moved.
 */
export function staleness(saved: Plan, fresh: Plan): Diagnostic[] {
  if (saved.formatVersion !== PLAN_FORMAT_VERSION) {
    return [error(`the plan file has format version ${String(saved.formatVersion)}; this version of paystrator-gitops reads ${PLAN_FORMAT_VERSION}`, { rule: 'stale-plan' })];
  }
  if (saved.environment !== fresh.environment || saved.company !== fresh.company) {
    return [error(`the plan is for environment ${saved.environment} (company ${saved.company}), not ${fresh.environment} (company ${fresh.company})`, { rule: 'stale-plan' })];
  }
  const out: Diagnostic[] = [];
  const freshByName = new Map(fresh.changes.map((c) => [c.name, c]));
  const savedByName = new Map(saved.changes.map((c) => [c.name, c]));
  for (const name of [...new Set([...savedByName.keys(), ...freshByName.keys()])].sort()) {
    const s = savedByName.get(name);
    const f = freshByName.get(name);
    if (s && f && comparable(s) === comparable(f)) continue;
    let why: string;
    if (!s) why = 'appeared since the plan';
    else if (!f) why = 'is no longer part of the plan';
    else if (s.liveVersion !== f.liveVersion) why = f.liveVersion === undefined ? 'no longer exists live' : s.liveVersion === undefined ? 'was created live since the plan' : `changed live since the plan (version ${s.liveVersion} -> ${f.liveVersion})`;
    else why = 'its desired state or one of its secrets changed since the plan';
    out.push(error(`${name} ${why}`, { rule: 'stale-plan' }));
  }
  if (!out.length && saved.inputsHash !== fresh.inputsHash) out.push(error('the provider files or plan options changed since the plan', { rule: 'stale-plan' }));
  return out;
}
