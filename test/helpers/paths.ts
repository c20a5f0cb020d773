import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Everything tests write lives here, so the canary check can scan all of it. */
export const TMP_ROOT = path.join(REPO_ROOT, 'test/.tmp');
export const CLI = path.join(REPO_ROOT, 'bin/paystrator-gitops.js');
