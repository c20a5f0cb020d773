// What a run says while it waits for another run on the same sandbox state file (src/sandbox/lock.ts).
import type { LockWait } from '../app/workspace.js';
import type { Io } from './io.js';

export function lockWaitNotice(io: Io): (wait: LockWait) => void {
  return ({ file, holder, timeoutSeconds }) => {
    const who = [holder?.pid !== undefined ? `pid ${holder.pid}` : '', holder?.since ? `since ${holder.since}` : ''].filter(Boolean).join(' ');
    io.err(`Waiting up to ${timeoutSeconds}s for another paystrator-gitops run that holds the sandbox state ${file}${who ? ` (${who})` : ''}...\n`);
  };
}
