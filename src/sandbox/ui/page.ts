// The Provider Management page's HTML document. The server renders only the shell and the
// dashboard session key; ui/browser/ fills it from the API, so the page shows exactly what the API
// says and nothing the API would not.

const escapeAttribute = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

const STATUSES = ['ACTIVE', 'INACTIVE', 'MAINTENANCE'] as const;

export function renderDashboardPage(opts: { sessionKey: string }): string {
  const statusOptions = STATUSES.map((s) => `<option value="${s}">${s[0]}${s.slice(1).toLowerCase()}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="paystrator-session" content="${escapeAttribute(opts.sessionKey)}">
<title>Provider Management · Paystrator sandbox</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/dashboard.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<a class="skip" href="#providers">Skip to the provider table</a>
<header class="topbar">
  <div class="brand"><span class="logo" aria-hidden="true">P</span> Paystrator <span class="env">sandbox</span></div>
  <div class="company" id="company"></div>
</header>
<nav class="views" aria-label="Dashboard">
  <span class="nav-group" aria-hidden="true">Providers</span>
  <a href="#" data-view="providers">Provider Management</a>
  <a href="#sequences" data-view="sequences">Sequence Management</a>
  <span class="nav-group" aria-hidden="true">Settings</span>
  <a href="#developers" data-view="developers">Developers</a>
</nav>
<main>
<section id="view-providers" data-view="providers" aria-labelledby="providers-title">
  <div class="title-row">
    <h1 id="providers-title">Provider Management</h1>
    <button type="button" id="add-provider" class="primary">+ Add Provider</button>
  </div>
  <form id="filters" class="filters" role="search" aria-label="Filter providers">
    <div class="field">
      <label for="filter-q">Search by name</label>
      <input id="filter-q" name="q" type="search" autocomplete="off" placeholder="e.g. Xendit">
    </div>
    <div class="field">
      <label for="filter-service">Service</label>
      <select id="filter-service" name="service"><option value="">All services</option></select>
    </div>
    <div class="field">
      <label for="filter-status">Status</label>
      <select id="filter-status" name="status"><option value="">All statuses</option>${statusOptions}</select>
    </div>
  </form>
  <p id="summary" class="summary" role="status" aria-live="polite">Loading providers…</p>
  <div id="notice" class="notice" role="alert" hidden></div>
  <div class="table-wrap">
    <table id="providers" aria-describedby="summary" aria-busy="true">
      <caption class="visually-hidden">Providers</caption>
      <thead>
        <tr>
          <th scope="col">Provider Name</th>
          <th scope="col">Provider</th>
          <th scope="col">Services</th>
          <th scope="col">Fee</th>
          <th scope="col">Status</th>
          <th scope="col">Last Activity</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody></tbody>
    </table>
  </div>
  <p class="legend"><span class="git-badge" aria-hidden="true">git</span> managed by paystrator-gitops: a change made here is drift until git says the same.</p>
</section>

<section id="view-sequences" data-view="sequences" aria-labelledby="sequences-title" hidden>
  <h1 id="sequences-title">Sequence Management</h1>
  <p class="hint">The order in which Paystrator tries a product's providers: the first ACTIVE one routes a transaction, a provider under maintenance is skipped, a failure fails over to the next.</p>
  <div role="tablist" id="seq-tabs" aria-label="Products" class="tabs"></div>
  <form id="seq-form" role="tabpanel" class="panel" novalidate>
    <div class="field seq-destination">
      <label for="seq-destination">Destination</label>
      <select id="seq-destination"></select>
    </div>
    <p id="seq-updated" class="sub"></p>
    <ol id="seq-list" class="seq-list" data-path="/providerIds" aria-label="Providers in routing order"></ol>
    <div class="form-error" role="alert" hidden></div>
    <p id="seq-status" class="summary" role="status" aria-live="polite"></p>
    <div class="actions">
      <button type="button" id="seq-reset">Discard changes</button>
      <button type="submit" id="seq-save" class="primary">Save order</button>
    </div>
  </form>
</section>

<section id="view-developers" data-view="developers" aria-labelledby="developers-title" hidden>
  <h1 id="developers-title">Developers</h1>
  <div role="tablist" id="dev-tabs" aria-label="Developer settings" class="tabs"></div>
  <div id="dev-panel" role="tabpanel" class="panel">
    <div data-panel="api-keys">
      <div class="title-row">
        <h2>API Keys</h2>
        <button type="button" id="key-create" class="primary">+ Create API key</button>
      </div>
      <p id="keys-status" class="summary" role="status" aria-live="polite"></p>
      <div class="table-wrap">
        <table id="api-keys" aria-describedby="keys-status">
          <caption class="visually-hidden">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Permissions</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>
    </div>
    <form data-panel="ip-whitelist" id="ip-form" novalidate hidden>
      <h2>IP Whitelist</h2>
      <p class="hint">API keys are accepted only from these addresses; an empty list refuses every API key. This page's own session is exempt, so it can always repair the list.</p>
      <p id="ip-request"></p>
      <ul id="ip-list" class="ip-list" data-path="/addresses" aria-label="Whitelisted addresses"></ul>
      <div class="field ip-add">
        <label for="ip-add">Add an address (public IPv4)</label>
        <div class="inline-row"><input id="ip-add" autocomplete="off" spellcheck="false" inputmode="decimal" placeholder="203.0.113.10"><button type="button" id="ip-add-button">Add</button></div>
      </div>
      <div id="ip-warning" class="warning" role="alert" hidden></div>
      <div class="form-error" role="alert" hidden></div>
      <p id="ip-status" class="summary" role="status" aria-live="polite"></p>
      <div class="actions"><button type="button" id="ip-reset">Discard changes</button><button type="submit" class="primary" id="ip-save">Save</button></div>
    </form>
    <form data-panel="webhooks" id="wh-form" novalidate hidden>
      <h2>Webhooks</h2>
      <p class="hint">One URL per service. <strong>Test &amp; Save</strong> saves the URL, then sends a signed test event to it and shows what the endpoint answered.</p>
      <div id="wh-token" class="token-row">
        <p id="wh-token-text"></p>
        <button type="button" id="wh-rotate">Regenerate token</button>
      </div>
      <div id="wh-urls"></div>
      <div class="form-error" role="alert" hidden></div>
      <p id="wh-status" class="summary" role="status" aria-live="polite"></p>
    </form>
  </div>
</section>
</main>

<dialog id="fee-dialog" aria-labelledby="fee-title">
  <form id="fee-form" novalidate>
    <h2 id="fee-title">Edit fee</h2>
    <p class="dialog-sub" id="fee-provider"></p>
    <fieldset>
      <legend>Fee type</legend>
      <label class="inline"><input type="radio" name="feeType" value="PERCENTAGE" checked> Percentage</label>
      <label class="inline"><input type="radio" name="feeType" value="FLAT"> Flat (IDR)</label>
    </fieldset>
    <div class="field" data-fee="PERCENTAGE">
      <label for="fee-percent">Percent (%)</label>
      <input id="fee-percent" name="percent" inputmode="decimal" autocomplete="off" data-path="/fee/percent">
    </div>
    <div class="field" data-fee="FLAT" hidden>
      <label for="fee-amount">Amount (Rp)</label>
      <input id="fee-amount" name="amount" inputmode="numeric" autocomplete="off" data-path="/fee/amount">
    </div>
    <div class="field">
      <label for="fee-vat">VAT (%)</label>
      <input id="fee-vat" name="vatPercent" inputmode="decimal" autocomplete="off" data-path="/tax/vatPercent">
    </div>
    <label class="inline"><input id="fee-apply-vat" type="checkbox" name="applyVat"> Apply VAT</label>
    <div class="form-error" role="alert" hidden></div>
    <div class="actions">
      <button type="button" data-close>Cancel</button>
      <button type="submit" class="primary">Save fee</button>
    </div>
  </form>
</dialog>

<dialog id="credentials-dialog" aria-labelledby="credentials-title">
  <form id="credentials-form" novalidate autocomplete="off">
    <h2 id="credentials-title">Edit credentials</h2>
    <p class="dialog-sub" id="credentials-provider"></p>
    <p class="hint">Secret fields are never shown: leave one empty to keep its current value.</p>
    <div class="cred-fields"></div>
    <div class="form-error" role="alert" hidden></div>
    <div class="actions">
      <button type="button" data-close>Cancel</button>
      <button type="submit" class="primary">Save credentials</button>
    </div>
  </form>
</dialog>

<dialog id="key-dialog" aria-labelledby="key-title">
  <form id="key-form" novalidate autocomplete="off">
    <h2 id="key-title">Create API key</h2>
    <div class="field">
      <label for="key-name">Name</label>
      <input id="key-name" name="name" required maxlength="100" data-path="/name">
    </div>
    <fieldset id="key-permissions" data-path="/permissions">
      <legend>Permissions per product</legend>
      <div class="perm-fields"></div>
    </fieldset>
    <div class="form-error" role="alert" hidden></div>
    <div class="actions">
      <button type="button" data-close>Cancel</button>
      <button type="submit" class="primary" id="key-submit">Create key</button>
    </div>
  </form>
</dialog>

<dialog id="key-value-dialog" aria-labelledby="key-value-title">
  <form method="dialog">
    <h2 id="key-value-title">API key created</h2>
    <p class="dialog-sub" id="key-value-name"></p>
    <p class="warning" id="key-value-warning">Copy the key now: it will not be shown again. Paystrator keeps only its prefix.</p>
    <div class="field">
      <label for="key-value">API key</label>
      <div class="inline-row"><input id="key-value" readonly spellcheck="false" autocomplete="off"><button type="button" id="key-copy">Copy</button></div>
    </div>
    <p id="key-copy-status" class="hint" role="status" aria-live="polite"></p>
    <div class="actions"><button type="submit" class="primary">Done</button></div>
  </form>
</dialog>

<dialog id="confirm-dialog" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <form method="dialog">
    <h2 id="confirm-title"></h2>
    <p id="confirm-text"></p>
    <div class="actions">
      <button type="submit" value="cancel" id="confirm-cancel">Cancel</button>
      <button type="submit" value="confirm" class="danger" id="confirm-ok"></button>
    </div>
  </form>
</dialog>

<dialog id="add-dialog" aria-labelledby="add-title">
  <form id="add-form" novalidate autocomplete="off">
    <h2 id="add-title">Add Provider</h2>
    <div class="field">
      <label for="add-type">Provider</label>
      <select id="add-type" name="type" data-path="/type">
        <option value="DIRECT">DIRECT</option>
        <option value="AGGREGATOR">AGGREGATOR</option>
      </select>
    </div>
    <div class="field">
      <label for="add-integration">Integration</label>
      <select id="add-integration" name="integration" required data-path="/integration"></select>
    </div>
    <div class="field">
      <label for="add-name">Provider Name</label>
      <input id="add-name" name="name" required maxlength="100" data-path="/name">
    </div>
    <fieldset id="add-services" data-path="/services">
      <legend>Services</legend>
      <div class="checks"></div>
    </fieldset>
    <fieldset id="add-credentials">
      <legend>Credentials</legend>
      <p class="hint">The fields follow the chosen integration's catalog entry. Secret fields are never shown again after saving.</p>
      <div class="cred-fields"></div>
    </fieldset>
    <fieldset>
      <legend>Fee and VAT</legend>
      <label class="inline"><input type="radio" name="feeType" value="PERCENTAGE" checked> Percentage</label>
      <label class="inline"><input type="radio" name="feeType" value="FLAT"> Flat (IDR)</label>
      <div class="field" data-fee="PERCENTAGE">
        <label for="add-percent">Percent (%)</label>
        <input id="add-percent" name="percent" inputmode="decimal" value="1.5" data-path="/fee/percent">
      </div>
      <div class="field" data-fee="FLAT" hidden>
        <label for="add-amount">Amount (Rp)</label>
        <input id="add-amount" name="amount" inputmode="numeric" value="4000" data-path="/fee/amount">
      </div>
      <div class="field">
        <label for="add-vat">VAT (%)</label>
        <input id="add-vat" name="vatPercent" inputmode="decimal" value="11" data-path="/tax/vatPercent">
      </div>
      <label class="inline"><input type="checkbox" name="applyVat" checked> Apply VAT</label>
    </fieldset>
    <div class="form-error" role="alert" hidden></div>
    <div class="actions">
      <button type="button" data-close>Cancel</button>
      <button type="submit" class="primary">Add Provider</button>
    </div>
  </form>
</dialog>
</body>
</html>
`;
}
