import { appendFileSync } from 'node:fs';
import type { Io } from './io.js';

export interface RunStats {
  command: string;
  apiRequests: number;
  secretReads: number;
  providers?: number;
}

/**
 * PAYSTRATOR_GITOPS_STATS=<file> appends one JSON line of counters per command, for the bench and
 * for anyone checking how many requests a run makes. Counters only: no names, no values.
 */
export function recordStats(io: Io, stats: RunStats): void {
  const file = io.env.PAYSTRATOR_GITOPS_STATS;
  if (file) appendFileSync(file, JSON.stringify(stats) + '\n');
}
