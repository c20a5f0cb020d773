// The types are generated from schemas/; this fails when someone edits a schema and forgets
// `npm run gen:types`, so types and schemas cannot drift apart.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { generate } from '../../scripts/gen-types.mjs';

describe('generated types', () => {
  it('are up to date with schemas/ (run `npm run gen:types` if this fails)', async () => {
    const files = (await generate()) as Record<string, string>;
    expect(Object.keys(files).length).toBeGreaterThan(0);
    for (const [file, content] of Object.entries(files)) {
      const committed = await readFile(path.resolve(import.meta.dirname, '../..', file), 'utf8');
      expect(committed, `${file} is stale: run npm run gen:types`).toBe(content);
    }
  });
});
