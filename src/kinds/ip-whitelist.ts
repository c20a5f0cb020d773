// kind: IpWhitelist (SPEC 3b): the public IPv4 addresses API keys may call from, at most one
// document per environment. Its lockout guard refuses, unless --allow-lockout, a plan that would
// leave the list empty or without the address the API sees this run calling from; and it applies
// last of all kinds (registry `after`), so a lockout cannot break the rest of an apply.
import type { PaystratorClient } from '../api/client.js';
import { lastWrite } from '../apply/audit.js';
import type { ResourceDrift } from '../drift/drift.js';
import type { IpWhitelist } from '../generated/api.js';
import type { IpWhitelistDocument } from '../generated/ip-whitelist.js';
import { checkDocument, type DeclaredDocument, type DocumentKind, type Issue } from '../load/documents.js';
import { isRecord } from '../load/yaml.js';
import { parseIPv4, publicIPv4Problem } from '../model/ipv4.js';
import type { SafetyFinding } from '../plan/checks.js';
import type { ResourceChange } from '../plan/plan.js';
import { defaultResourceStale } from '../plan/stale-resources.js';
import type { ApplyContext, ResourceKind, ResourceOutcome } from './kind.js';
import { resourcesOf } from './resources.js';
import { conditionalWrite, only, sameSet, settingChange, writeAnnotations } from './settings.js';

export interface DeclaredIpWhitelist {
  addresses: string[];
}

const document: DocumentKind<DeclaredIpWhitelist> = {
  kind: 'IpWhitelist',
  cardinality: 'one',
  validate(file, doc) {
    const diagnostics = checkDocument(file, doc, 'ip-whitelist.schema.json', (value, schemaIssues) => {
      const list = isRecord(value) && isRecord(value.spec) && Array.isArray(value.spec.addresses) ? value.spec.addresses : [];
      const flagged = new Set(schemaIssues.map((i) => i.path.join('.')));
      const out: Issue[] = [];
      const first = new Map<number, number>();
      list.forEach((a, i) => {
        const at = ['spec', 'addresses', i];
        if (typeof a !== 'string' || flagged.has(at.join('.'))) return;
        const problem = publicIPv4Problem(a);
        if (problem) {
          out.push({ path: at, message: `${a} ${problem}`, rule: 'public-ipv4' });
          return;
        }
        const n = parseIPv4(a)!;
        const seen = first.get(n);
        if (seen === undefined) first.set(n, i);
        else out.push({ path: at, message: `${a} is listed twice: first at line ${doc.pos(['spec', 'addresses', seen]).line}`, rule: 'unique-address' });
      });
      return out;
    });
    if (diagnostics.length) return { diagnostics };
    return { diagnostics, value: { addresses: [...(doc.value as IpWhitelistDocument).spec.addresses] } };
  },
};

/** Addresses in numeric order: a list is a set, and this is how people read them. */
const ordered = (list: readonly string[]) => [...list].sort((a, b) => (parseIPv4(a) ?? 0) - (parseIPv4(b) ?? 0));

function plan(declared: readonly DeclaredDocument<DeclaredIpWhitelist>[], live: IpWhitelist): ResourceChange[] {
  const d = only(declared);
  if (!d) return [];
  const want = ordered(d.value.addresses);
  const have = ordered(live.addresses);
  const same = sameSet(want, have);
  const added = want.filter((a) => !have.includes(a));
  const removed = have.filter((a) => !want.includes(a));
  const notes = same ? [] : [[added.length ? `adds ${added.join(', ')}` : '', removed.length ? `removes ${removed.join(', ')}` : ''].filter(Boolean).join('; ')];
  return [
    {
      ...settingChange('IpWhitelist', d, live.version),
      action: same ? 'noop' : 'update',
      fields: same ? [] : [{ field: 'spec.addresses', before: have, after: want }],
      notes,
      operations: same ? [] : [{ kind: 'put', body: { addresses: want } }],
    },
  ];
}

function guards(changes: readonly ResourceChange[], live: IpWhitelist): SafetyFinding[] {
  const out: SafetyFinding[] = [];
  for (const c of changes) {
    const op = c.operations.find((o) => o.kind === 'put');
    if (!op) continue;
    const after = op.body?.addresses as string[];
    if (!after.length) {
      out.push({ check: 'lockout', message: 'the IP whitelist would be empty: Paystrator would refuse every API-key request, this run\'s and the next one\'s included' });
    } else if (!after.includes(live.requestAddress)) {
      out.push({ check: 'lockout', message: `the IP whitelist would no longer hold ${live.requestAddress}, the address the API sees this run calling from (requestAddress): runs from there would be locked out` });
    }
  }
  return out;
}

async function apply(change: ResourceChange, client: PaystratorClient, ctx: ApplyContext): Promise<ResourceOutcome> {
  const op = change.operations.find((o) => o.kind === 'put');
  if (!op || change.liveVersion === undefined) return 'unchanged';
  const addresses = op.body?.addresses as string[];
  await conditionalWrite(
    () => client.putIpWhitelist({ addresses, annotations: writeAnnotations(ctx.audit, change.liveVersion! + 1) }, change.liveVersion!),
    () => client.getIpWhitelist(),
    (w) => sameSet(w.addresses, addresses),
    'the IP whitelist',
  );
  ctx.onEvent({ kind: 'IpWhitelist', name: change.name, phase: 'done', message: `${addresses.length} address${addresses.length === 1 ? '' : 'es'} set` });
  return 'written';
}

function drift(declared: readonly DeclaredDocument<DeclaredIpWhitelist>[], live: IpWhitelist): ResourceDrift[] {
  const d = only(declared);
  if (!d) return [];
  const want = ordered(d.value.addresses);
  const have = ordered(live.addresses);
  const fields = sameSet(want, have) ? [] : [{ field: 'spec.addresses', git: want, live: have }];
  return [{ kind: 'IpWhitelist', name: 'IpWhitelist', file: d.file, line: d.line, liveVersion: live.version, fields, events: [], notes: [], lastWrite: lastWrite(live.annotations, live.version) }];
}

export const ipWhitelistKind: ResourceKind<DeclaredIpWhitelist, IpWhitelist> = {
  kind: 'IpWhitelist',
  // Last of all: once it is written, this run may no longer be let in.
  after: ['Provider', 'Sequence', 'Webhooks', 'ApiKey'],
  changes: (p) => resourcesOf(p, 'IpWhitelist'),
  pending: (c) => c.action !== 'noop',
  inputs: () => null,
  document,
  declaredInputs: (declared) => declared.map((d) => ordered(d.value.addresses)),
  readLive: (client) => client.getIpWhitelist(),
  plan,
  guards,
  stale: defaultResourceStale,
  apply,
  drift,
  importFiles: (live) => [
    {
      file: 'ip-whitelist.yaml',
      header: 'Imported from the live IP whitelist.',
      documents: [{ apiVersion: 'paystrator-gitops/v1', kind: 'IpWhitelist', spec: { addresses: ordered(live.addresses) } }],
    },
  ],
};
