import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FileResult } from './providers.js';

// Parsing allocates many short-lived objects: a larger young generation than a worker's default
// means far fewer scavenges (measured: -10 to -15% per file; larger ones pass the 250 MB memory budget at 10,000 files).
/** Below this many files a worker's start-up (~0.2 s of a core the API client and a local API also need) costs more than it saves. */
export const PARALLEL_THRESHOLD = 2500;
const CHUNK = 200;

const workerUrl = new URL('./worker.js', import.meta.url);

export function canParallelize(files: number): boolean {
  // Under the test runner the sources are .ts and there is no compiled worker next to them.
  return files >= PARALLEL_THRESHOLD && availableParallelism() > 1 && existsSync(fileURLToPath(workerUrl));
}

/**
 * Loads files in chunks pulled by the main thread and by one worker per extra core, so a slow
 * chunk or a slow worker start never leaves a core idle. Results keep the files' order.
 */
export async function loadInParallel(
  files: string[],
  inline: (file: string) => FileResult,
  workerData: { baseDir: string; secretStores?: string[] },
): Promise<FileResult[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < files.length; i += CHUNK) chunks.push(files.slice(i, i + CHUNK));
  const results: FileResult[][] = new Array<FileResult[]>(chunks.length);
  let next = 0;

  const inWorker = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const send = () => {
        if (next < chunks.length) {
          const i = next++;
          worker.postMessage({ i, files: chunks[i] });
        } else {
          void worker.terminate().then(() => resolve());
        }
      };
      worker.on('message', (m: { ready?: true; i?: number; results?: FileResult[] }) => {
        if (m.i !== undefined && m.results) results[m.i] = m.results;
        send();
      });
      worker.once('error', reject);
    });

  const onMain = async () => {
    while (next < chunks.length) {
      const i = next++;
      results[i] = chunks[i]!.map(inline);
      // Let the workers' messages in between chunks.
      await new Promise((r) => setImmediate(r));
    }
  };

  const workers = Array.from({ length: Math.min(availableParallelism(), 8) - 1 }, () => new Worker(workerUrl, { workerData, resourceLimits: { maxYoungGenerationSizeMb: 16 } }));
  await Promise.all([onMain(), ...workers.map(inWorker)]);
  return results.flat();
}
