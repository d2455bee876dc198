// The console's one connection to Nexus is the TypeScript client (@nexus/client, clients/typescript), served from
// its committed build in ./nexus-client/ (docs/console.md says how it stays in sync). This module adds what only the
// console needs: the current client (one per sign-in), and human descriptions of failures.

import { ErrorCodes, NexusConnectionError, NexusError } from './nexus-client/index.js';

export { NexusClient, NexusError, backoffDelay } from './nexus-client/index.js';

/** Holds the client of the signed-in identity; views call through it, so a new sign-in needs no new views. */
export class Link {
  client = null;

  /** The current client; a call made while signed out fails like a lost connection. */
  get nexus() {
    if (!this.client) throw new NexusConnectionError('stopped', 'Not signed in.');
    return this.client;
  }
}

const Names = {
  [ErrorCodes.InvalidRequest]: 'invalid request', [ErrorCodes.MethodNotFound]: 'method not found',
  [ErrorCodes.InvalidParams]: 'invalid params', [ErrorCodes.InternalError]: 'internal error',
  [ErrorCodes.Forbidden]: 'forbidden', [ErrorCodes.NotFound]: 'not found', [ErrorCodes.Conflict]: 'conflict',
  [ErrorCodes.RateLimited]: 'rate limited', [ErrorCodes.Unavailable]: 'unavailable',
};

/** A one-line, human description of a failed call (shown in the alert area). */
export function describeError(method, error) {
  if (error instanceof NexusConnectionError) {
    return error.kind === 'timeout'
      ? `${method} failed: no answer in time. ${error.message}`
      : `${method} failed: not connected to Nexus. ${error.message}`;
  }
  if (!(error instanceof NexusError)) return `${method} failed: ${error?.message ?? error}`;
  const name = Names[error.code];
  const param = error.code === ErrorCodes.InvalidParams && error.param ? ` (${error.param})` : '';
  const message = error.message.replace(/^\S+ failed: -?\d+ /, '');
  return name ? `${method} failed: ${error.code} ${name}${param}: ${message}` : `${method} failed: ${message}`;
}
