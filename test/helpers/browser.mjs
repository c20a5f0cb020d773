// The Chromium that browser tests and scripts/dashboard-screenshot.mjs drive with playwright-core:
// Debian's /usr/bin/chromium where it is installed, else the build shipped inside the npm package
// @sparticuz/chromium (a devDependency), so `npm ci && npm test` needs nothing but Node and npm.
// Plain JavaScript (typed by browser.d.mts) so the script can use it as well as the tests. Never
// a skip: with neither browser, it throws saying what to install.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Headless on a machine with no display, no GPU and no network but loopback. */
export const HEADLESS_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// @sparticuz/chromium's recommended flags are made for AWS Lambda; these would change what a page
// may do (cross-origin reads, mixed content), and the tests check the page as a user's browser sees it.
const PAGE_RULE_FLAGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials']);

const require = createRequire(import.meta.url);

/** Options for playwright-core's chromium.launch / launchPersistentContext. */
export async function chromiumLaunchOptions() {
  if (existsSync(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, headless: true, args: HEADLESS_ARGS };
  let entry;
  try {
    entry = require.resolve('@sparticuz/chromium');
  } catch {
    throw new Error(
      `no Chromium for the browser tests: ${DEBIAN_CHROMIUM} is missing and so is the npm package @sparticuz/chromium (a devDependency: run npm ci, or apt-get install chromium); these tests are never skipped`,
    );
  }
  const { default: sparticuz } = await import(pathToFileURL(entry).href);
  // No WebGL wanted: the flags then disable it instead of selecting SwiftShader.
  sparticuz.setGraphicsMode = false;
  return { executablePath: await unpack(entry), headless: true, args: [...new Set([...sparticuz.args.filter((a) => !PAGE_RULE_FLAGS.has(a)), ...HEADLESS_ARGS])] };
}

/**
 * The package's executablePath() decompresses the browser (~200 MB) to os.tmpdir()/chromium, and
 * reuses whatever file is there: half a file from a killed run, or another version's. So it runs
 * in a child process whose TMPDIR is a fresh folder, renamed into place only once complete, under
 * a name that carries the version; concurrent test processes each unpack and the first rename wins.
 */
async function unpack(entry) {
  const { version } = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8'));
  const dir = path.join(os.tmpdir(), `paystrator-gitops-chromium-${version}`);
  const executable = path.join(dir, 'chromium');
  if (existsSync(executable)) return executable;
  await mkdir(os.tmpdir(), { recursive: true });
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    const script = `import(${JSON.stringify(pathToFileURL(entry).href)}).then((m) => m.default.executablePath()).then((p) => process.stdout.write(p))`;
    const out = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: staging }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`@sparticuz/chromium could not unpack its browser into ${staging} (exit ${code}): ${stderr.trim()}`))));
    });
    if (out !== path.join(staging, 'chromium') || !existsSync(out)) throw new Error(`@sparticuz/chromium unpacked to ${out}, expected ${path.join(staging, 'chromium')}`);
    await rename(staging, dir).catch((e) => {
      // Another process finished first: use its copy.
      if (!['ENOTEMPTY', 'EEXIST'].includes(e.code) || !existsSync(executable)) throw e;
    });
    return executable;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
