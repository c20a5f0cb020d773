// What connect() needs of the API layer, as one module: the client and both transports load with
// one import (one chunk of the bundle, not two).
export { PaystratorClient } from './client.js';
export { HttpTransport, InProcessTransport } from './transport.js';
