// The page's stylesheet, served as /ui/dashboard.css. Kept in a module so the build (tsc alone)
// ships it; colours are chosen for at least 4.5:1 contrast against their backgrounds, and status
// is always spelled out, never told by colour alone.
export const DASHBOARD_CSS = `
:root {
  --ink: #1f2933; --muted: #4b5867; --line: #d9dee4; --bg: #f5f7fa; --card: #ffffff;
  --accent: #1d4ed8; --accent-ink: #ffffff; --danger: #a61b1b; --focus: #1d4ed8;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: var(--card); padding: 6px 10px; z-index: 10; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
[hidden] { display: none !important; }

.topbar { display: flex; justify-content: space-between; align-items: center; padding: 10px 24px; background: #0f2a5c; color: #fff; }
.brand { font-weight: 600; display: flex; align-items: center; gap: 8px; }
.logo { display: inline-grid; place-items: center; width: 26px; height: 26px; border-radius: 6px; background: #fff; color: #0f2a5c; font-weight: 800; }
.env { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 999px; background: #fde68a; color: #5c3b00; }
.company { font-size: 13px; }

main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 40px; }
.title-row { display: flex; justify-content: space-between; align-items: center; gap: 16px; }
h1 { font-size: 22px; margin: 8px 0 16px; }
h2 { font-size: 18px; margin: 0 0 4px; }

button { font: inherit; cursor: pointer; border: 1px solid #9aa5b1; background: var(--card); color: var(--ink); border-radius: 6px; padding: 6px 12px; }
button:hover { background: #eef1f5; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); font-weight: 600; }
button.primary:hover { background: #1e40af; }
input, select { font: inherit; color: var(--ink); background: var(--card); border: 1px solid #8893a0; border-radius: 6px; padding: 6px 8px; min-width: 0; }
input[aria-invalid="true"], fieldset[aria-invalid="true"] { border-color: var(--danger); }

.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.field { display: flex; flex-direction: column; gap: 4px; margin: 0 0 10px; }
.filters .field { margin: 0; }
.filters .field:first-child { flex: 1 1 260px; }
.field label, legend { font-weight: 600; font-size: 13px; }
.hint, .field .hint { color: var(--muted); font-size: 12px; margin: 0; }
.field-error { color: var(--danger); font-size: 12px; margin: 0; }
.summary { color: var(--muted); margin: 12px 0 8px; }
.notice { border: 1px solid #f0b4b4; background: #fdeeee; color: #7f1414; border-radius: 6px; padding: 8px 12px; margin: 0 0 10px; }

/* No overflow clipping: the row menu opens below its button and may reach past the table. */
.table-wrap { background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 10px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { white-space: nowrap; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #f9fafb; }
tbody tr:last-child > * { border-bottom: 0; }
tbody th { font-weight: 600; }
.sub { display: block; font-weight: 400; color: var(--muted); font-size: 12px; }
.name { white-space: nowrap; }
.reason { max-width: 26ch; }
td.actions-cell { position: relative; text-align: right; width: 1%; white-space: nowrap; }
.empty { color: var(--muted); text-align: center; padding: 24px; }

.chip { display: inline-block; font-size: 12px; padding: 1px 8px; margin: 0 4px 4px 0; border-radius: 999px; background: #eef1f5; color: #33404d; }
.git-badge { display: inline-block; font-size: 11px; font-weight: 700; padding: 0 6px; margin-left: 6px; border-radius: 4px; background: #ede9fe; color: #4c1d95; border: 1px solid #c4b5fd; vertical-align: 1px; }
.badge { display: inline-flex; align-items: center; gap: 6px; font-size: 12px; font-weight: 700; padding: 2px 10px; border-radius: 999px; }
.badge::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: currentColor; }
.badge-ACTIVE { background: #dcf5e3; color: #12582a; }
.badge-INACTIVE { background: #e6e9ed; color: #39434d; }
.badge-MAINTENANCE { background: #fff1c7; color: #6e4300; }

.menu { position: absolute; right: 12px; top: 40px; z-index: 5; min-width: 230px; display: flex; flex-direction: column; padding: 4px; background: var(--card); border: 1px solid #9aa5b1; border-radius: 8px; box-shadow: 0 8px 24px rgba(15, 23, 42, .18); text-align: left; }
.menu button { border: 0; border-radius: 4px; text-align: left; padding: 8px 10px; }
.menu button:hover, .menu button:focus { background: #e8eefc; outline: none; }
.menu button:focus-visible { outline: 2px solid var(--focus); outline-offset: -2px; }

dialog { border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; width: min(560px, calc(100vw - 32px)); color: var(--ink); box-shadow: 0 16px 48px rgba(15, 23, 42, .3); }
dialog::backdrop { background: rgba(15, 23, 42, .45); }
.dialog-sub { color: var(--muted); margin: 0 0 12px; }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px 10px; margin: 0 0 12px; }
label.inline { display: inline-flex; align-items: center; gap: 6px; margin: 4px 14px 8px 0; font-weight: 400; font-size: 14px; }
.checks { display: flex; flex-wrap: wrap; }
.form-error { border: 1px solid #f0b4b4; background: #fdeeee; color: #7f1414; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.actions { display: flex; justify-content: flex-end; gap: 8px; margin-top: 12px; }
.legend { color: var(--muted); font-size: 12px; margin-top: 10px; }
.legend .git-badge { margin: 0 4px 0 0; }

.views { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; padding: 6px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
.views .nav-group { font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); margin-left: 12px; }
.views .nav-group:first-child { margin-left: 0; }
.views a { color: var(--ink); text-decoration: none; padding: 6px 10px; border-radius: 6px; }
.views a:hover { background: #eef1f5; }
.views a[aria-current="page"] { background: #e8eefc; color: #1e3a8a; font-weight: 600; }

.tabs { display: flex; flex-wrap: wrap; gap: 2px; border-bottom: 1px solid var(--line); margin: 8px 0 0; }
.tabs [role="tab"] { border: 1px solid transparent; border-bottom: 0; border-radius: 6px 6px 0 0; background: transparent; padding: 8px 14px; margin-bottom: -1px; }
.tabs [role="tab"][aria-selected="true"] { background: var(--card); border-color: var(--line); font-weight: 600; color: #1e3a8a; }
.panel { background: var(--card); border: 1px solid var(--line); border-top: 0; border-radius: 0 0 8px 8px; padding: 14px 16px; }
.seq-destination { max-width: 320px; }
.seq-list { list-style: none; counter-reset: seq; margin: 12px 0; padding: 0; }
.seq-list li { counter-increment: seq; display: flex; align-items: center; gap: 12px; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; margin: 0 0 6px; }
.seq-list li::before { content: counter(seq); display: inline-grid; place-items: center; min-width: 26px; height: 26px; border-radius: 50%; background: #eef1f5; font-weight: 700; }
.seq-list li[data-status="MAINTENANCE"] { background: #fffbeb; }
.seq-list .name { flex: 1 1 auto; font-weight: 600; }
.seq-list .moves { display: flex; gap: 4px; }
.seq-list .empty { display: block; border: 0; }
.seq-list .empty::before { content: none; }
button:disabled { cursor: default; opacity: .55; }
button.danger { background: var(--danger); border-color: var(--danger); color: #fff; font-weight: 600; }
.warning { border: 1px solid #e9c46a; background: #fff8e1; color: #5c3b00; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.inline-row { display: flex; gap: 8px; align-items: center; }
.inline-row input { flex: 1 1 auto; }
.ip-list { list-style: none; padding: 0; margin: 8px 0 12px; }
.ip-list li { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; margin: 0 0 6px; max-width: 480px; }
.ip-list .you { font-size: 12px; color: var(--muted); }
.token-row { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; padding: 8px 0 12px; border-bottom: 1px solid var(--line); margin-bottom: 12px; }
.token-row p { margin: 0; }
.wh-row { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 4px 8px; align-items: end; margin: 0 0 12px; }
.wh-row .field { margin: 0; }
.wh-result { grid-column: 1 / -1; margin: 0; font-size: 13px; }
.wh-result[data-ok="true"] { color: #12582a; }
.wh-result[data-ok="false"] { color: var(--danger); }
.perms { list-style: none; margin: 0; padding: 0; font-size: 12px; }
.perm-fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 0 12px; }
.badge-ACTIVE-key { background: #dcf5e3; color: #12582a; }
.badge-REVOKED { background: #e6e9ed; color: #39434d; }
/* A view's heading takes focus when the view opens (so a screen reader starts there); it is not a control. */
section[data-view] h1:focus { outline: none; }
.ip-add { max-width: 480px; }
`;
