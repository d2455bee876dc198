// Generated from clients/typescript/src by `npm run build` (do not edit; see docs/console.md).
// Results of the methods of docs/protocol.md section 4.2. Times are epoch milliseconds, as on the wire.
export {};
