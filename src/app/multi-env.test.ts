import { describe, expect, it } from 'vitest';
import { runOrdered } from './multi-env.js';

/** A task that finishes when the test says so, recording how many ran at once. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('runOrdered', () => {
  it('runs at most N at once, one lane at a time, and hands results back in the given order', async () => {
    const gates = Array.from({ length: 6 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const lanes = [undefined, 'embedded:a', 'embedded:a', undefined, undefined, 'embedded:a'];
    const tasks = lanes.map((lane, i) => ({
      lane,
      run: async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await gates[i]!.opened;
        running--;
        return `env-${i}`;
      },
    }));
    const ready: string[] = [];
    const done = runOrdered(tasks, 3, (i, r) => void ready.push(`${i}:${r}`));
    const tick = () => new Promise((r) => setImmediate(r));
    await tick();
    // 0, 1 and 3 start; 2 waits for 1 (same state file), 4 for a free slot.
    expect(started).toEqual([0, 1, 3]);
    gates[3]!.open();
    await tick();
    expect(started).toEqual([0, 1, 3, 4]);
    // 3 finished first, but nothing is handed back before 0.
    expect(ready).toEqual([]);
    gates[1]!.open();
    await tick();
    expect(started).toEqual([0, 1, 3, 4, 2]);
    for (const g of gates) g.open();
    expect(await done).toEqual(['env-0', 'env-1', 'env-2', 'env-3', 'env-4', 'env-5']);
    expect(ready).toEqual(['0:env-0', '1:env-1', '2:env-2', '3:env-3', '4:env-4', '5:env-5']);
    expect(most).toBe(3);
  });
});
