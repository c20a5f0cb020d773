// Apply progress. On a terminal: a live line per provider, or one bar when there are more than
// BAR_THRESHOLD changes, redrawn in place. Elsewhere (CI, pipes, TERM=dumb): one plain line per
// finished provider, which logs well. Failures are always printed in full.
import type { ApplyEvent } from '../apply/apply.js';
import type { ProviderChange } from '../plan/plan.js';
import { escapeText as t } from '../text/escape.js';
import type { Io } from './io.js';

export const BAR_THRESHOLD = 20;

export interface Progress {
  onEvent(e: ApplyEvent): void;
  finish(): void;
}

const MARK = { create: '+', update: '~', deactivate: '-', noop: ' ' } as const;
const DONE = { create: 'created', update: 'updated', deactivate: 'deactivated', noop: 'unchanged' } as const;
const DOING = { create: 'creating', update: 'updating', deactivate: 'deactivating', noop: '' } as const;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function plainLines(io: Io): Progress {
  return {
    onEvent(e) {
      if (e.phase === 'done') io.out(`  ${MARK[e.action]} ${t(e.name)}: ${DONE[e.action]}\n`);
      else if (e.phase === 'failed') io.err(io.style.red(`  ! ${t(e.name)}: failed: ${e.message ?? ''}`) + '\n');
      else if (e.phase === 'skipped') io.err(io.style.yellow(`  ? ${t(e.name)}: ${e.message ?? 'not attempted'}`) + '\n');
    },
    finish() {},
  };
}

type State = { action: ProviderChange['action']; phase: ApplyEvent['phase'] | 'pending'; message?: string };

/** Redraws `lines()` over what it drew last time every 80 ms, spinning while work runs. */
function liveRegion(io: Io, lines: (frame: string) => string[]) {
  let drawn = 0;
  let tick = 0;
  const draw = () => {
    const now = lines(SPINNER[tick++ % SPINNER.length]!);
    io.out((drawn ? `\x1b[${drawn}A` : '') + now.map((l) => `\x1b[2K${l}\n`).join(''));
    drawn = now.length;
  };
  const timer = setInterval(draw, 80);
  timer.unref();
  return {
    /** Prints text above the region, which is then drawn again below it. */
    above(text: string) {
      io.out((drawn ? `\x1b[${drawn}A` : '') + '\x1b[J');
      drawn = 0;
      io.err(text);
      draw();
    },
    stop() {
      clearInterval(timer);
      draw();
    },
  };
}

function perProvider(io: Io, changes: ProviderChange[]): Progress {
  const states = new Map<string, State>(changes.map((c) => [c.name, { action: c.action, phase: 'pending' }]));
  // Names are live or from files: escaped before they are measured and padded.
  const width = Math.max(...changes.map((c) => t(c.name).length));
  const region = liveRegion(io, (frame) =>
    [...states].map(([name, s]) => {
      const label = t(name).padEnd(width);
      if (s.phase === 'pending') return io.style.dim(`  · ${label}  waiting`);
      if (s.phase === 'start') return `  ${frame} ${label}  ${DOING[s.action]}…`;
      if (s.phase === 'done') return io.style.green(`  ${MARK[s.action]} ${label}  ${DONE[s.action]}`);
      if (s.phase === 'failed') return io.style.red(`  ! ${label}  failed`);
      return io.style.yellow(`  ? ${label}  not attempted`);
    }),
  );
  return {
    onEvent(e) {
      states.set(e.name, { action: e.action, phase: e.phase, ...(e.message ? { message: e.message } : {}) });
    },
    finish() {
      region.stop();
      for (const [name, s] of states) {
        if (s.phase === 'failed') io.err(io.style.red(`  ! ${t(name)}: failed: ${s.message ?? ''}`) + '\n');
        if (s.phase === 'skipped') io.err(io.style.yellow(`  ? ${t(name)}: ${s.message ?? 'not attempted'}`) + '\n');
      }
    },
  };
}

function bar(io: Io, total: number): Progress {
  let done = 0;
  let failed = 0;
  let skipped = 0;
  const cells = 30;
  const region = liveRegion(io, (frame) => {
    const finished = done + failed + skipped;
    const full = Math.round((finished / total) * cells);
    const counts = [`${done} done`, ...(failed ? [io.style.red(`${failed} failed`)] : []), ...(skipped ? [`${skipped} not attempted`] : [])].join(', ');
    return [`  ${finished < total ? frame : ' '} [${'█'.repeat(full)}${'░'.repeat(cells - full)}] ${finished}/${total}  ${counts}`];
  });
  return {
    onEvent(e) {
      if (e.phase === 'done') done += 1;
      else if (e.phase === 'failed') {
        failed += 1;
        region.above(io.style.red(`  ! ${t(e.name)}: failed: ${e.message ?? ''}`) + '\n');
      } else if (e.phase === 'skipped') {
        skipped += 1;
        region.above(io.style.yellow(`  ? ${t(e.name)}: ${e.message ?? 'not attempted'}`) + '\n');
      }
    },
    finish: () => region.stop(),
  };
}

export function applyProgress(io: Io, changes: ProviderChange[]): Progress {
  const work = changes.filter((c) => c.operations.length > 0);
  // Some CI runners give a pseudo-terminal, where redrawn lines would garble the log.
  if (!io.stdoutIsTty || io.env.CI || io.env.TERM === 'dumb' || work.length === 0) return plainLines(io);
  return work.length > BAR_THRESHOLD ? bar(io, work.length) : perProvider(io, work);
}
