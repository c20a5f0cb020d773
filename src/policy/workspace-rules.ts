// policy.rules and policy.windows over a loaded workspace: the glue validate and plan share.
import type { Diagnostic } from '../diagnostics.js';
import type { LoadedConfig } from '../load/config.js';
import type { RuleInputs } from './rules.js';
import { checkWindows } from './windows.js';

// Async only so that the CEL evaluator (~150 kB of JavaScript, ~5 ms to set up its functions)
// loads for a config that has rules, not for every validate and plan.
export async function policyRuleDiagnostics(config: LoadedConfig, inputs: RuleInputs): Promise<{ errors: Diagnostic[]; warnings: Diagnostic[] }> {
  const { rules, windows } = config.config.policy;
  const at = (i: number, field: string) => {
    const p = config.pos?.(['policy', 'windows', i, field]);
    return { file: config.file, ...(p ? { line: p.line, col: p.col } : {}), field: `policy.windows[${i}].${field}`, rule: 'change-window' };
  };
  const all = [...checkWindows(windows, at), ...(rules.length ? (await import('./rules.js')).checkRules(rules, { file: config.file, ...(config.pos ? { pos: config.pos } : {}) }, inputs) : [])];
  return { errors: all.filter((d) => d.severity === 'error'), warnings: all.filter((d) => d.severity === 'warning') };
}
