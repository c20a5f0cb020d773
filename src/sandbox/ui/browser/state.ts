// What the page's modules share: the catalog, loaded once, and the count of loads and writes under
// way, which the periodic refresh waits for rather than race them.
import type { Integration } from '../../../generated/api.js';

export const shared = {
  integrations: new Map<string, Integration>(),
  inFlight: 0,
};

/** Runs `work` counted as in flight, so no periodic refresh starts meanwhile. */
export async function busy<T>(work: () => Promise<T>): Promise<T> {
  shared.inFlight += 1;
  try {
    return await work();
  } finally {
    shared.inFlight -= 1;
  }
}
