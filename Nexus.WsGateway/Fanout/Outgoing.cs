namespace Nexus.WsGateway.Fanout;

/// <summary>
/// One notification on its way to recipients: the frame every one of them gets, the channel their filters are asked
/// about, its ordinal (0 when it is not durable: docs/protocol.md section 1.1) and whether only approvers may get it.
/// </summary>
internal readonly record struct Outgoing(string Channel, ReadOnlyMemory<byte> Frame, long Ordinal, bool ApproversOnly);
