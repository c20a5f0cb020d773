// What connect() needs to answer a run in-process (endpoint: embedded), as one module: the app,
// its state file and the file's lock load with one import (one chunk of the bundle, not four).
export { createSandboxApp } from './app.js';
export { SANDBOX_RW_KEY } from './store/types.js';
export { openSandboxStore } from './store/persistence.js';
export { lockTimeoutFromEnv } from './store/lock.js';
