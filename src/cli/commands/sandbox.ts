import { randomInt } from 'node:crypto';
import { describeFaults, describeFaultStats, type FaultOptions } from '../../sandbox/faults.js';
import { serveSandbox } from '../../sandbox/server.js';
import { describeTraffic, describeTrafficStats, trafficOptions } from '../../sandbox/traffic.js';
import type { Io } from '../io.js';
import { lockWaitNotice } from '../lock-notice.js';
import { lockTimeoutFromEnv } from '../../sandbox/store/lock.js';
import { clientKeys, DEFAULT_REQUEST_ADDRESS, SANDBOX_RO_KEY, SANDBOX_RW_KEY } from '../../sandbox/store/types.js';

import type { SandboxFlags } from './sandbox-options.js';

export async function sandboxCommand(io: Io, o: SandboxFlags): Promise<number> {
  const { port, data, retryAfter, requestAddress, clients, trafficRate, trafficHistory, rejectCredential, ...rest } = o;
  const faults: FaultOptions = { ...rest, seed: o.seed ?? randomInt(2 ** 31), ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
  // Also from the environment, one value a line: a flag's value is visible to other users in `ps`.
  const rejectFromEnv = (io.env.PAYSTRATOR_SANDBOX_REJECT_CREDENTIALS ?? '').split(/\r?\n/).filter((v) => v !== '');
  const traffic = trafficOptions({ trafficRate, trafficHistory, rejectCredential: [...(rejectCredential ?? []), ...rejectFromEnv] }, faults.seed!);
  const timeoutSeconds = lockTimeoutFromEnv(io.env);
  // The state file stays locked while the server runs: a CLI run on the same file waits for it.
  const server = await serveSandbox({ port, dataFile: data, faults, ...(requestAddress ? { requestAddress } : {}), ...(clients !== undefined ? { clients } : {}), ...(traffic ? { traffic } : {}), lock: { onWait: lockWaitNotice(io), ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) } });
  const injected = describeFaults(faults);
  const hosted = server.store.companies.slice(1).map((c) => {
    const keys = clientKeys(c.companyInfo.id);
    return `    ${c.companyInfo.id}  read-write ${keys.rw}  read-only ${keys.ro}\n`;
  });
  io.out(
    `Paystrator sandbox (Dummy Company${hosted.length ? ` and ${hosted.length} client${hosted.length === 1 ? '' : 's'}` : ''}) listening on ${server.url}\n` +
      `  dashboard:      ${server.url}/\n` +
      `  state:          ${o.data}\n` +
      `  read-write key: ${SANDBOX_RW_KEY}\n` +
      `  read-only key:  ${SANDBOX_RO_KEY}\n` +
      `  calls seen from ${requestAddress ?? DEFAULT_REQUEST_ADDRESS} (the IP whitelist must hold it)\n` +
      (hosted.length ? `  clients (their keys; the page shows Dummy Company):\n${hosted.join('')}` : '') +
      (injected.length ? `  faults:         ${injected.join('\n                  ')}\n` : '') +
      (traffic ? `  traffic:        ${describeTraffic(traffic)}\n` : '') +
      'Press Ctrl+C to stop.\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  if (injected.length) io.out(`Faults injected: ${describeFaultStats(server.faultStats)}\n`);
  if (server.traffic) io.out(`Traffic simulated: ${describeTrafficStats(server.traffic.engine.stats)}\n`);
  return 0;
}
