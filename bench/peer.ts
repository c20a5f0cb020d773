// Case 3, the peer strategy: the same plan read the Terraform way, one GET per provider at
// parallelism 10 using ids kept in a state file, instead of one paginated list.
import { readFileSync } from 'node:fs';
import { forEachLimit } from '../src/apply/apply.js';
import type { Provider } from '../src/generated/api.js';
import { toLiveProvider } from '../src/live/read.js';
import type { LiveProvider } from '../src/model/state.js';
import { buildPlan } from '../src/plan/build.js';
import { connect, loadDesired, openWorkspace, resolveDesiredSecrets, TOOL_VERSION } from '../src/app/workspace.js';

const [dir, stateFile] = process.argv.slice(2) as [string, string];
process.chdir(dir);
process.env = { ...process.env };
const ids = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, string>;
const ws = await openWorkspace({ configPath: 'paystrator.yaml', envName: 'http' });
const { desired } = await loadDesired(ws);
const conn = await connect(ws);
const live: LiveProvider[] = [];
await forEachLimit(Object.values(ids), 10, async (id) => {
  const p: Provider = await conn.client.getProvider(id);
  live.push(toLiveProvider(p));
});
const company = (await conn.client.company()).id;
const resolved = await resolveDesiredSecrets(ws, desired, company, { live });
const secrets = resolved.secrets;
const plan = buildPlan({ environment: 'http', endpoint: conn.endpoint, company, toolVersion: TOOL_VERSION, desired: resolved.desired, live: resolved.live, prune: false, targets: [], ignore: [] });
await conn.close();
process.stdout.write(JSON.stringify({ changes: plan.changes.filter((c) => c.action !== 'noop').length, requests: conn.client.requests, secretReads: secrets.reads }) + '\n');
