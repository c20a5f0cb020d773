import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApplyEvent } from '../apply/apply.js';
import type { ProviderChange } from '../plan/plan.js';
import { plain } from '../render/style.js';
import type { Io } from './io.js';
import { applyProgress, BAR_THRESHOLD } from './progress.js';

function fakeIo(tty: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), style: plain, stdinIsTty: tty, stdoutIsTty: tty, env: {} };
  return { io, out, err };
}

const change = (name: string, action: ProviderChange['action'] = 'create'): ProviderChange => ({
  name, action, fields: [], notes: [], operations: action === 'noop' ? [] : [{ kind: 'status', body: { status: 'ACTIVE' } }],
});
// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

describe('apply progress', () => {
  afterEach(() => void vi.useRealTimers());

  it('prints one plain line per finished provider when there is no terminal', () => {
    const { io, out, err } = fakeIo(false);
    const p = applyProgress(io, [change('A'), change('B', 'update'), change('C', 'deactivate')]);
    const events: ApplyEvent[] = [
      { name: 'A', action: 'create', phase: 'start' },
      { name: 'A', action: 'create', phase: 'done' },
      { name: 'B', action: 'update', phase: 'failed', message: 'conflict: B was changed by someone else' },
      { name: 'C', action: 'deactivate', phase: 'skipped', message: 'not attempted: an earlier change failed' },
    ];
    for (const e of events) p.onEvent(e);
    p.finish();
    expect(out.join('')).toBe('  + A: created\n');
    expect(err.join('')).toBe('  ! B: failed: conflict: B was changed by someone else\n  ? C: not attempted: an earlier change failed\n');
    expect(out.join('') + err.join('')).not.toContain('\x1b[');
  });

  it('keeps a live line per provider on a terminal, redrawn in place, and prints failures in full at the end', () => {
    vi.useFakeTimers();
    const { io, out, err } = fakeIo(true);
    const p = applyProgress(io, [change('Alpha'), change('Beta', 'update'), change('Gamma', 'noop')]);
    p.onEvent({ name: 'Alpha', action: 'create', phase: 'start' });
    vi.advanceTimersByTime(100);
    expect(strip(out.join(''))).toMatch(/^ {2}. Alpha {2}creating…\n {2}· Beta {3}waiting\n$/);
    p.onEvent({ name: 'Alpha', action: 'create', phase: 'done' });
    p.onEvent({ name: 'Beta', action: 'update', phase: 'failed', message: 'boom' });
    p.finish();
    const text = out.join('');
    // One block of two lines (the noop has nothing to do), ending in its final state.
    const last = strip(text.slice(text.lastIndexOf('\x1b[2A') + 4));
    expect(last).toBe('  + Alpha  created\n  ! Beta   failed\n');
    expect(err.join('')).toBe('  ! Beta: failed: boom\n');
  });

  it('prints plain lines in CI even on a pseudo-terminal', () => {
    const { io, out } = fakeIo(true);
    io.env = { CI: 'true' };
    const p = applyProgress(io, [change('A')]);
    p.onEvent({ name: 'A', action: 'create', phase: 'done' });
    p.finish();
    expect(out.join('')).toBe('  + A: created\n');
  });

  it(`shows one bar for more than ${BAR_THRESHOLD} changes, with failures above it`, () => {
    const { io, out, err } = fakeIo(true);
    const names = Array.from({ length: BAR_THRESHOLD + 5 }, (_, i) => `P${i}`);
    const p = applyProgress(io, names.map((n) => change(n)));
    for (const n of names.slice(0, -1)) p.onEvent({ name: n, action: 'create', phase: 'done' });
    p.onEvent({ name: names.at(-1)!, action: 'create', phase: 'failed', message: 'boom' });
    p.finish();
    const lines = strip(out.join('')).split('\n').filter(Boolean);
    expect(lines.at(-1)).toBe(`    [${'█'.repeat(30)}] ${names.length}/${names.length}  ${names.length - 1} done, 1 failed`);
    expect(err.join('')).toBe(`  ! ${names.at(-1)}: failed: boom\n`);
  });
});
