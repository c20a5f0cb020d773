// The documentation a newcomer reads stays true: every relative link resolves to a file (and a
// heading, when it names one), every command the README names is one the CLI has, and the README
// stays short.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const pages = ['README.md', 'CONTRIBUTING.md', ...(await glob('docs/**/*.md', { cwd: REPO_ROOT })).sort()];
const read = (f: string) => readFileSync(path.join(REPO_ROOT, f), 'utf8');

/** The text outside fenced code blocks and inline code, where links are links. */
function prose(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = m[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

function links(md: string): string[] {
  const text = prose(md);
  return [...text.matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g), ...text.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1]!);
}

describe('documentation', () => {
  it('has the pages the README promises', () => {
    for (const p of ['docs/secrets.md', 'docs/safe-apply.md', 'docs/drift.md', 'docs/github-actions.md', 'docs/matrix.md', 'docs/adopting.md', 'docs/sandbox.md', 'docs/performance.md', 'docs/architecture.md', 'CONTRIBUTING.md', 'LICENSE', 'CHANGELOG.md']) {
      expect(existsSync(path.join(REPO_ROOT, p)), p).toBe(true);
    }
  });

  it.each(pages)('every relative link in %s resolves', (page) => {
    const broken: string[] = [];
    for (const link of links(read(page))) {
      if (/^[a-z][a-z+.-]*:/i.test(link)) continue; // https:, mailto:
      const [target = '', anchor] = link.split('#');
      const file = target ? path.resolve(path.dirname(path.join(REPO_ROOT, page)), decodeURIComponent(target)) : path.join(REPO_ROOT, page);
      if (!existsSync(file)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (anchor !== undefined && statSync(file).isFile() && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${link}: no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README stays short: at most 200 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(200);
  });

  describe('the README names only commands the CLI has', () => {
    let commands: Set<string>;
    beforeAll(async () => {
      const help = await runCli(['--help'], { cwd: REPO_ROOT });
      expect(help.code).toBe(0);
      const section = help.stdout.split('\nCommands:\n')[1] ?? '';
      commands = new Set([...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!));
    });

    const readme = read('README.md');
    // `paystrator-gitops <command>` anywhere (prose or code), and the first word of each row of the
    // command table.
    const named = new Set([
      ...[...readme.matchAll(/\bpaystrator-gitops ([a-z][a-z-]*)/g)].map((m) => m[1]!),
      ...[...readme.matchAll(/^\| `([a-z][a-z-]*)[^`]*` \|/gm)].map((m) => m[1]!),
    ]);

    it('finds commands to check', () => {
      expect([...named]).toEqual(expect.arrayContaining(['apply', 'plan', 'validate', 'init', 'environments']));
    });

    it.each([...named].sort())('%s', (command) => {
      expect([...commands]).toContain(command);
    });
  });

  it('the two commands are the ones CI runs and the quickstart shows', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm ci && npx paystrator-gitops apply --auto-approve');
    expect(readme).toMatch(/^npm test +#/m);
    expect(readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test\b/m);
  });
});
