// Reconnect delays: exponential with "equal jitter" (half fixed, half random), so a gateway restart
// does not get every console back in the same millisecond, yet no retry is ever immediate.

export const DefaultBackoff = Object.freeze({ baseMs: 500, maxMs: 15000 });

export function backoffDelay(attempt, { baseMs, maxMs } = DefaultBackoff, random = Math.random) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
