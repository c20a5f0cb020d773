// Reads live sequences for a plan. One request, and none at all when the plan has no sequence
// part, so plans of repositories without sequences cost what they did.
import type { PaystratorClient } from '../api/client.js';
import { toLiveSequence, type LiveSequence } from '../model/sequence.js';

export async function readLiveSequences(client: PaystratorClient): Promise<LiveSequence[]> {
  return (await client.listSequences()).map(toLiveSequence);
}
