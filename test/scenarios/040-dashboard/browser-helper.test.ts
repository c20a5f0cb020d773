// Browser tests need nothing but npm: test/helpers/browser.mjs picks Debian's chromium when it is
// installed, else the one inside @sparticuz/chromium, and every playwright launch goes through it.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { glob } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { chromiumLaunchOptions, DEBIAN_CHROMIUM } from '../../helpers/browser.mjs';
import { REPO_ROOT } from '../../helpers/paths.js';

describe('the browser the tests drive', () => {
  it('is Debian\'s chromium when installed, else @sparticuz/chromium\'s, unpacked once under its version', async () => {
    const o = await chromiumLaunchOptions();
    const { version } = JSON.parse(readFileSync(`${REPO_ROOT}/node_modules/@sparticuz/chromium/package.json`, 'utf8')) as { version: string };
    if (existsSync(DEBIAN_CHROMIUM)) expect(o.executablePath).toBe(DEBIAN_CHROMIUM);
    else expect(o.executablePath).toMatch(new RegExp(`/paystrator-gitops-chromium-${version.replace(/\./g, '\\.')}/chromium$`));
    expect(() => accessSync(o.executablePath, constants.X_OK)).not.toThrow();
    expect(o.headless).toBe(true);
    expect(o.args).toEqual(expect.arrayContaining(['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']));
    // The page runs under a browser's usual rules, whatever the Lambda-oriented defaults say.
    expect(o.args).not.toContain('--disable-web-security');
    expect(new Set(o.args).size).toBe(o.args.length);
  });

  it('is chosen in one place: every file that drives playwright takes its launch options from the helper', async () => {
    const users: string[] = [];
    for (const f of await glob(['src/**/*.{ts,mjs,js}', 'test/**/*.{ts,mjs,js}', 'scripts/**/*.{ts,mjs,js}', 'bench/**/*.{ts,mjs,js}'], { cwd: REPO_ROOT, ignore: ['**/node_modules/**', 'test/.tmp/**', 'bench/out/**'] })) {
      const source = readFileSync(`${REPO_ROOT}/${f}`, 'utf8');
      if (!/^import .* from 'playwright-core';$/m.test(source)) continue;
      users.push(f);
      expect(source, f).toMatch(/import \{ chromiumLaunchOptions \} from '[./]+\/(test\/)?helpers\/browser\.mjs'/);
      expect(source, f).not.toContain('executablePath:');
    }
    expect(users.sort()).toEqual(['scripts/dashboard-screenshot.mjs', 'test/helpers/dashboard.ts', 'test/scenarios/040-dashboard/dashboard.test.ts']);
  });
});
