// Generated from clients/typescript/src by `npm run build` (do not edit; see docs/console.md).
// @nexus/client: the TypeScript client of Nexus (docs/protocol.md version 1.1). Browsers and Node, no runtime dependencies.
export { NexusClient } from './client.js';
export { ErrorCodes, NexusConnectionError, NexusError } from './errors.js';
export { Channels, Events, isEvent } from './events.js';
export { backoffDelay } from './backoff.js';
