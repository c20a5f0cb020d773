// kind: Webhooks (SPEC 3b): one URL per service, at most one document per environment. Apply
// writes the URLs with If-Match, then tests every URL it changed as the dashboard's Test & Save
// does; a URL whose endpoint does not answer 2xx is put back to what it was, and fails the change.
// The verification token is Paystrator's: never in git. The token version an apply saw is kept
// in an annotation, so drift can tell a rotation made since.
import type { PaystratorClient } from '../api/client.js';
import { lastWrite } from '../apply/audit.js';
import type { FieldChange } from '../diff/diff.js';
import type { DriftField, ResourceDrift } from '../drift/drift.js';
import type { Webhooks } from '../generated/api.js';
import type { WebhooksDocument } from '../generated/webhooks.js';
import { checkDocument, type DeclaredDocument, type DocumentKind, type Issue } from '../load/documents.js';
import { catalogProducts } from '../load/sequences.js';
import { isRecord } from '../load/yaml.js';
import { ANNOTATION_PREFIX } from '../model/state.js';
import { webhookUrlProblem } from '../model/webhook-url.js';
import type { ResourceChange } from '../plan/plan.js';
import { defaultResourceStale, type ResourceStaleCheck } from '../plan/stale-resources.js';
import type { ApplyContext, ResourceKind, ResourceOutcome } from './kind.js';
import { resourcesOf } from './resources.js';
import { conditionalWrite, only, settingChange, writeAnnotations } from './settings.js';

/** The verification token version live when paystrator-gitops last wrote the webhooks. */
export const TOKEN_VERSION_ANNOTATION = `${ANNOTATION_PREFIX}token-version`;

export interface DeclaredWebhooks {
  urls: Record<string, string>;
}

const document: DocumentKind<DeclaredWebhooks> = {
  kind: 'Webhooks',
  cardinality: 'one',
  validate(file, doc, ctx) {
    const products = catalogProducts(ctx.catalog);
    const diagnostics = checkDocument(file, doc, 'webhooks.schema.json', (value, schemaIssues) => {
      const urls = isRecord(value) && isRecord(value.spec) && isRecord(value.spec.urls) ? value.spec.urls : {};
      const flagged = new Set(schemaIssues.map((i) => i.path.join('.')));
      const out: Issue[] = [];
      for (const [service, url] of Object.entries(urls)) {
        const at = ['spec', 'urls', service];
        if (flagged.has(at.join('.'))) continue;
        if (!products.includes(service)) out.push({ path: at, message: `unknown service "${service}" (services: ${products.join(', ')})`, rule: 'known-service', onKey: true });
        const problem = typeof url === 'string' ? webhookUrlProblem(url, { allowLoopbackHttp: ctx.allowLoopbackHttp }) : undefined;
        if (problem) out.push({ path: at, message: `the webhook URL ${problem}`, rule: 'webhook-url' });
      }
      return out;
    });
    if (diagnostics.length) return { diagnostics };
    return { diagnostics, value: { urls: { ...(doc.value as WebhooksDocument).spec.urls } } };
  },
};

const sorted = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Field by field, git (after) against live (before): one field per service whose URL differs. */
function urlChanges(want: Record<string, string>, have: Record<string, string>): FieldChange[] {
  const out: FieldChange[] = [];
  for (const s of [...new Set([...Object.keys(want), ...Object.keys(have)])].sort()) {
    if (want[s] === have[s]) continue;
    out.push({ field: `spec.urls.${s}`, ...(have[s] !== undefined ? { before: have[s] } : {}), ...(want[s] !== undefined ? { after: want[s] } : {}) });
  }
  return out;
}

const recordedTokenVersion = (live: Webhooks): number | undefined => {
  const v = live.annotations[TOKEN_VERSION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

function rotation(live: Webhooks): string | undefined {
  const seen = recordedTokenVersion(live);
  const t = live.verificationToken;
  if (seen === undefined || t.version <= seen) return undefined;
  return `verification token rotated: version ${seen} -> ${t.version} at ${t.updatedAt}${t.updatedBy ? ` by ${t.updatedBy}` : ''}`;
}

function plan(declared: readonly DeclaredDocument<DeclaredWebhooks>[], live: Webhooks): ResourceChange[] {
  const d = only(declared);
  if (!d) return [];
  const fields = urlChanges(d.value.urls, live.urls);
  const notes: string[] = [];
  const rotated = rotation(live);
  // A rotation is Paystrator's to make and git's to know of: the plan writes nothing for it alone
  // but records the version it saw, so drift stops reporting it once it is acknowledged by an apply.
  if (rotated) notes.push(`${rotated}; the token is not kept in git: apply records version ${live.verificationToken.version}`);
  const write = fields.length > 0 || rotated !== undefined;
  const tested = fields.filter((f) => f.after !== undefined).map((f) => f.field.slice('spec.urls.'.length));
  if (tested.length) notes.push(`apply tests ${tested.join(', ')} with a test event (Test & Save); a URL whose endpoint does not answer 2xx is put back`);
  return [
    {
      ...settingChange('Webhooks', d, live.version),
      action: write ? 'update' : 'noop',
      fields,
      notes,
      operations: write ? [{ kind: 'put', body: { urls: sorted(d.value.urls), annotations: { [TOKEN_VERSION_ANNOTATION]: String(live.verificationToken.version) } } }] : [],
    },
  ];
}

/** Token versions seen differ when a rotation happened between plan and apply: that alone does not make the plan stale (drift will tell). */
const stale: ResourceStaleCheck = (saved, fresh) => {
  const strip = (c: ResourceChange): ResourceChange => ({
    ...c,
    notes: [],
    operations: c.operations.map((o) => ({ ...o, body: { ...o.body, annotations: undefined } })),
  });
  return defaultResourceStale(strip(saved), fresh && strip(fresh));
};

async function apply(change: ResourceChange, client: PaystratorClient, ctx: ApplyContext): Promise<ResourceOutcome> {
  const op = change.operations.find((o) => o.kind === 'put');
  if (!op || change.liveVersion === undefined) return 'unchanged';
  const urls = op.body?.urls as Record<string, string>;
  const own = op.body?.annotations as Record<string, string> | undefined;
  const event = (phase: 'done' | 'unchanged' | 'failed' | 'info', message?: string) => ctx.onEvent({ kind: 'Webhooks', name: change.name, phase, ...(message ? { message } : {}) });
  const before: Record<string, string | undefined> = Object.fromEntries(change.fields.map((f) => [f.field.slice('spec.urls.'.length), typeof f.before === 'string' ? f.before : undefined]));
  const holds = (w: Webhooks) => JSON.stringify(sorted(w.urls)) === JSON.stringify(sorted(urls));
  const written = await conditionalWrite(
    () => client.putWebhooks({ urls, annotations: writeAnnotations(ctx.audit, change.liveVersion! + 1, own) }, change.liveVersion!),
    () => client.getWebhooks(),
    holds,
    'the webhooks',
  );
  // Test & Save: every URL this change set is tested; the dashboard keeps only what tested fine.
  const failed: string[] = [];
  for (const service of Object.keys(before).sort()) {
    const url = urls[service];
    if (url === undefined) continue;
    const r = await client.testWebhook(service);
    const ok = r.status >= 200 && r.status < 300;
    const answer = r.status === 0 ? `no answer${r.error ? ` (${r.error})` : ''}` : `HTTP ${r.status}`;
    event(ok ? 'info' : 'failed', `test event to ${service} (${url}): ${answer}${ok ? '' : `; ${before[service] === undefined ? 'its URL was removed again' : `its previous URL ${before[service]} was restored`} (Test & Save keeps only a URL that answers 2xx)`}`);
    if (!ok) failed.push(service);
  }
  if (!failed.length) {
    event('done', change.fields.length ? `${change.fields.length} URL${change.fields.length === 1 ? '' : 's'} set` : 'verification token version recorded');
    return 'written';
  }
  const restored = { ...urls };
  for (const s of failed) {
    const b = before[s];
    if (b === undefined) delete restored[s];
    else restored[s] = b;
  }
  await client.putWebhooks({ urls: restored, annotations: writeAnnotations(ctx.audit, written.version + 1, own) }, written.version);
  return 'failed';
}

function drift(declared: readonly DeclaredDocument<DeclaredWebhooks>[], live: Webhooks): ResourceDrift[] {
  const d = only(declared);
  if (!d) return [];
  const fields: DriftField[] = urlChanges(d.value.urls, live.urls).map((f) => ({ field: f.field, ...(f.after !== undefined ? { git: f.after } : {}), ...(f.before !== undefined ? { live: f.before } : {}) }));
  const rotated = rotation(live);
  const notes = recordedTokenVersion(live) === undefined ? [`verification token version ${live.verificationToken.version}; no apply recorded the version it saw yet, so a rotation cannot be told`] : [];
  return [{ kind: 'Webhooks', name: 'Webhooks', file: d.file, line: d.line, liveVersion: live.version, fields, events: rotated ? [rotated] : [], notes, lastWrite: lastWrite(live.annotations, live.version) }];
}

export const webhooksKind: ResourceKind<DeclaredWebhooks, Webhooks> = {
  kind: 'Webhooks',
  after: ['Provider', 'Sequence'],
  changes: (p) => resourcesOf(p, 'Webhooks'),
  pending: (c) => c.action !== 'noop',
  inputs: () => null,
  document,
  declaredInputs: (declared) => declared.map((d) => sorted(d.value.urls)),
  readLive: (client) => client.getWebhooks(),
  plan,
  guards: () => [],
  stale,
  apply,
  drift,
  importFiles: (live) => [
    {
      file: 'webhooks.yaml',
      header: 'Imported from the live webhooks. The verification token is Paystrator\'s and is never in git.',
      documents: [{ apiVersion: 'paystrator-gitops/v1', kind: 'Webhooks', spec: { urls: sorted(live.urls) } }],
    },
  ],
};
