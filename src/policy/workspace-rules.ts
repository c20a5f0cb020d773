// policy.rules over a loaded workspace: the glue validate and plan share.
import type { Diagnostic } from '../diagnostics.js';
import type { LoadedConfig } from '../load/config.js';
import { checkRules, type RuleInputs } from './rules.js';

export function policyRuleDiagnostics(config: LoadedConfig, inputs: RuleInputs): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const rules = config.config.policy.rules;
  if (!rules.length) return { errors: [], warnings: [] };
  const all = checkRules(rules, { file: config.file, ...(config.pos ? { pos: config.pos } : {}) }, inputs);
  return { errors: all.filter((d) => d.severity === 'error'), warnings: all.filter((d) => d.severity === 'warning') };
}
