// The adoption commands: `import`, `list` and `fees quote`, registered from one place so main.ts
// needs a single line for them.
import type { Catalog } from '../../catalog/catalog.js';
import { ExitError, warning } from '../../diagnostics.js';
import { quoteTable, renderQuoteJson, renderQuoteText, type PricedProvider } from '../../render/fees.js';
import { listRows, renderListJson, renderListText } from '../../render/list.js';
import { loadDesiredFiles } from '../../load/providers.js';
import { catalogProducts } from '../../load/sequences.js';
import { didYouMean } from '../../load/suggest.js';
import { connect, desiredFilesOptions, loadDesired, openWorkspace } from '../../app/workspace.js';
import type { GlobalOptions } from '../options.js';
import { printDiagnostics, type Io } from '../io.js';
import { lockWaitNotice } from '../lock-notice.js';

const STATUSES = ['ACTIVE', 'INACTIVE', 'MAINTENANCE'];


function checkService(service: string | undefined, catalog: Catalog): string | undefined {
  if (service === undefined) return undefined;
  const products = catalogProducts(catalog);
  const upper = service.toUpperCase();
  if (!products.includes(upper)) throw new ExitError(`--service ${service} is not a service of the catalog${didYouMean(service, products) || ` (services: ${products.join(', ')})`}`);
  return upper;
}

function checkStatus(status: string | undefined): string | undefined {
  if (status === undefined) return undefined;
  const upper = status.toUpperCase();
  if (!STATUSES.includes(upper)) throw new ExitError(`--status ${status} is not a status${didYouMean(status, STATUSES) || ` (statuses: ${STATUSES.join(', ')})`}`);
  return upper;
}

export interface ListFlags {
  search?: string;
  service?: string;
  status?: string;
  format: 'text' | 'json';
}

export async function listCommand(io: Io, g: GlobalOptions, o: ListFlags, now: Date = new Date()): Promise<number> {
  const ws = await openWorkspace({ configPath: g.config, envName: g.env, onLockWait: lockWaitNotice(io) });
  const service = checkService(o.service, ws.catalog);
  const status = checkStatus(o.status);
  const files = await loadDesiredFiles(desiredFilesOptions(ws));
  const notes = [...ws.warnings];
  if (files.errors.length) notes.push(warning(`the provider files have ${files.errors.length} error${files.errors.length === 1 ? '' : 's'} (run validate); the Git column counts the names they declare`, { rule: 'list' }));
  const connection = await connect(ws);
  let live;
  try {
    const [company, providers] = await Promise.all([connection.client.company(), connection.client.listProviders()]);
    if (ws.env.client && ws.env.client !== company.id) throw new ExitError(`environment ${ws.envName} is for client ${ws.env.client}, but its API key belongs to ${company.id} (${company.name})`);
    live = providers;
  } finally {
    await connection.close();
  }
  const rows = listRows(live, new Set(files.declared.map((d) => d.name)), {
    ...(o.search !== undefined ? { search: o.search } : {}),
    ...(service ? { service } : {}),
    ...(status ? { status } : {}),
  });
  printDiagnostics(io, notes);
  io.out(o.format === 'json' ? renderListJson(rows, live.length) : renderListText(rows, live.length, now, io.style));
  return 0;
}

export interface QuoteFlags {
  amount: bigint;
  service?: string;
  provider?: string;
  from: 'live' | 'git';
  format: 'text' | 'json';
}

export async function feesQuoteCommand(io: Io, g: GlobalOptions, o: QuoteFlags): Promise<number> {
  const ws = await openWorkspace({ configPath: g.config, envName: g.env, onLockWait: lockWaitNotice(io) });
  const service = checkService(o.service, ws.catalog);
  let providers: PricedProvider[];
  if (o.from === 'git') {
    const { desired, warnings } = await loadDesired(ws);
    printDiagnostics(io, [...ws.warnings, ...warnings]);
    providers = desired.map((d) => ({ ...d.state }));
  } else {
    printDiagnostics(io, ws.warnings);
    const connection = await connect(ws);
    try {
      providers = (await connection.client.listProviders()).map((p) => ({ name: p.name, type: p.type, services: p.services, status: p.status, fee: p.fee, tax: p.tax }));
    } finally {
      await connection.close();
    }
  }
  if (o.provider !== undefined && !providers.some((p) => p.name === o.provider)) {
    const names = providers.map((p) => p.name);
    throw new ExitError(`--provider "${o.provider}": no such provider ${o.from === 'git' ? 'in git' : 'live'}${didYouMean(o.provider, names)}`);
  }
  const rows = quoteTable(providers, o.amount, { ...(service ? { service } : {}), ...(o.provider !== undefined ? { provider: o.provider } : {}) });
  const source = `${o.from}, environment ${ws.envName}${service ? `, ${service}` : ''}`;
  io.out(o.format === 'json' ? renderQuoteJson(rows, o.amount, source) : renderQuoteText(rows, o.amount, source));
  return 0;
}
