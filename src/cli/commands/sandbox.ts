import { randomInt } from 'node:crypto';
import { describeFaults, describeFaultStats, type FaultOptions } from '../../sandbox/faults.js';
import { serveSandbox } from '../../sandbox/server.js';
import type { Io } from '../io.js';
import { lockWaitNotice } from '../lock-notice.js';
import { lockTimeoutFromEnv } from '../../sandbox/lock.js';
import { DEFAULT_REQUEST_ADDRESS, SANDBOX_RO_KEY, SANDBOX_RW_KEY } from '../../sandbox/state.js';

import type { SandboxFlags } from './sandbox-options.js';

export async function sandboxCommand(io: Io, o: SandboxFlags): Promise<number> {
  const { port, data, retryAfter, requestAddress, ...rest } = o;
  const faults: FaultOptions = { ...rest, seed: o.seed ?? randomInt(2 ** 31), ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
  const timeoutSeconds = lockTimeoutFromEnv(io.env);
  // The state file stays locked while the server runs: a CLI run on the same file waits for it.
  const server = await serveSandbox({ port, dataFile: data, faults, ...(requestAddress ? { requestAddress } : {}), lock: { onWait: lockWaitNotice(io), ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) } });
  const injected = describeFaults(faults);
  io.out(
    `Paystrator sandbox (Dummy Company) listening on ${server.url}\n` +
      `  dashboard:      ${server.url}/\n` +
      `  state:          ${o.data}\n` +
      `  read-write key: ${SANDBOX_RW_KEY}\n` +
      `  read-only key:  ${SANDBOX_RO_KEY}\n` +
      `  calls seen from ${requestAddress ?? DEFAULT_REQUEST_ADDRESS} (the IP whitelist must hold it)\n` +
      (injected.length ? `  faults:         ${injected.join('\n                  ')}\n` : '') +
      'Press Ctrl+C to stop.\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  if (injected.length) io.out(`Faults injected: ${describeFaultStats(server.faultStats)}\n`);
  return 0;
}
