// A sandbox hosting several companies (SPEC 5 `sandbox --clients N`): one app per company, each on
// its own part of the store, and every request handed to the company its API key belongs to. A
// request with no key, an unknown one or the dashboard session goes to the first company, Dummy
// Company, whose app answers it (401, or the page).
import { Hono } from 'hono';
import { bundledCatalog } from '../catalog/catalog.js';
import { createSandboxApp, type SandboxAppOptions } from './app.js';
import type { SandboxStore } from './store/domain.js';

export const MAX_CLIENTS = 1000;

export function createCompaniesApp(opts: SandboxAppOptions): Hono {
  const catalog = opts.catalog ?? bundledCatalog();
  const first = createSandboxApp({ ...opts, catalog });
  const companies = opts.store.companies;
  if (companies.length === 1) return first;
  const apps = new Map<SandboxStore, Hono>(companies.slice(1).map((store) => [store, createSandboxApp({ ...opts, catalog, store, dashboard: false })]));
  const top = new Hono();
  top.all('*', (c) => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('Authorization') ?? '');
    const owner = m ? opts.store.companyOfKey(m[1]!) : undefined;
    return ((owner && apps.get(owner)) ?? first).fetch(c.req.raw, c.env);
  });
  return top;
}
