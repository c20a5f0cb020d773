// The sandbox's Provider Management page: `/` (the document), `/ui/dashboard.css` and `/ui/app.js`
// (ui/browser/ bundled by scripts/build.mjs). Sandbox-only: not part of the modelled API, so not in the OpenAPI
// document.
//
// The dashboard session: each sandbox app mints one key of a third kind, held in memory only and
// handed to the page inside the document. It has read-write permission and marks what it does as
// done by a person (statusChangedBy USER), like a colleague in Paystrator's dashboard; the API
// keys keep recording API. Cross-origin pages cannot read the document, and a bearer key is never
// sent by the browser on its own, so another site cannot borrow the session. Nor can it get the
// document by DNS rebinding (its own name resolved to 127.0.0.1): over HTTP the app answers only
// its own Host (421 otherwise) and refuses writes with a foreign Origin (403); see app.ts.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';

export const DASHBOARD_KEY_PREFIX = 'psk_dashboard_';

export function newDashboardKey(): string {
  return DASHBOARD_KEY_PREFIX + randomBytes(16).toString('hex');
}

const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export interface DashboardOptions {
  sessionKey: string;
}

export function dashboardRoutes(opts: DashboardOptions): Hono {
  const app = new Hono();
  let script: Promise<string> | undefined;

  // The document carries the session key: never cached, never framed.
  // The page and its styles load with the first request for them: the sandbox behind a CLI run
  // in-process serves no page.
  app.get('/', async (c) =>
    c.html((await import('./page.js')).renderDashboardPage({ sessionKey: opts.sessionKey }), 200, {
      ...PAGE_HEADERS,
      'Cache-Control': 'no-store',
    }),
  );

  app.get('/ui/dashboard.css', async (c) => c.body((await import('./styles.js')).DASHBOARD_CSS, 200, { ...PAGE_HEADERS, 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }));

  app.get('/ui/app.js', async (c) => {
    script ??= readFile(new URL('./app.js', import.meta.url), 'utf8');
    try {
      return c.body(await script, 200, { ...PAGE_HEADERS, 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' });
    } catch {
      script = undefined;
      return c.text('the dashboard script is not built: run `npm run build`', 500);
    }
  });

  return app;
}
