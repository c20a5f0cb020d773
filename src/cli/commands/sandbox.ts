import { serveSandbox } from '../../sandbox/server.js';
import type { Io } from '../io.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY } from '../../sandbox/state.js';

export async function sandboxCommand(io: Io, o: { port: number; data: string }): Promise<number> {
  const server = await serveSandbox({ port: o.port, dataFile: o.data });
  io.out(
    `Paystrator sandbox (Dummy Company) listening on ${server.url}\n` +
      `  state:          ${o.data}\n` +
      `  read-write key: ${SANDBOX_RW_KEY}\n` +
      `  read-only key:  ${SANDBOX_RO_KEY}\n` +
      'Press Ctrl+C to stop.\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
