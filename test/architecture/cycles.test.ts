// The layers are enforced twice: eslint.config.js says which folder may import which, and this
// test says that no import cycle exists, between folders of src/ or between its modules.
import { expect, test } from 'vitest';
import { cycles, folderGraph, layers, moduleGraph } from './graph.js';

const graph = moduleGraph('src');

test('no import cycle between the folders of src/', () => {
  expect(cycles(folderGraph(graph))).toEqual([]);
});

test('no import cycle between the modules of src/', () => {
  expect(cycles(graph.modules)).toEqual([]);
});

test('the graph sees the imports it must: cli reaches app, app reaches the lower layers', () => {
  const folders = folderGraph(graph);
  expect([...(folders.get('cli') ?? [])]).toContain('app');
  expect([...(folders.get('app') ?? [])]).toEqual(expect.arrayContaining(['plan', 'api', 'load']));
  expect(layers(folders).flat()).toContain('model');
});

test("the sandbox store's domain does not reach its persistence, even through another module", () => {
  const reached = new Set<string>();
  const visit = (m: string): void => {
    for (const next of graph.modules.get(m) ?? []) {
      if (reached.has(next)) continue;
      reached.add(next);
      visit(next);
    }
  };
  visit('sandbox/store/domain.ts');
  expect(reached).toContain('sandbox/store/types.ts');
  expect([...reached].filter((m) => m === 'sandbox/store/persistence.ts' || m === 'sandbox/store/lock.ts')).toEqual([]);
});
