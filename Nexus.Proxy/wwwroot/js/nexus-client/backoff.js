// Generated from clients/typescript/src by `npm run build` (do not edit; see docs/console.md).
/**
 * Reconnect delays: exponential with "equal jitter" (half the ceiling fixed, half random), so a gateway restart does
 * not bring every client back in the same millisecond, yet no retry is immediate.
 */
export function backoffDelay(attempt, baseMs, maxMs, random = Math.random) {
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt)));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
