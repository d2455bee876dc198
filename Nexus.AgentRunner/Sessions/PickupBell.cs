using System.Threading.Channels;

namespace Nexus.AgentRunner.Sessions;

/// <summary>
/// Rung when sessions may be waiting for this runner: a decision or a drain queued one (the Redis wake channel), or a
/// slot came free here. Rings coalesce: one pending ring is enough, since a pickup takes everything it can.
/// </summary>
internal sealed class PickupBell
{
    private readonly Channel<bool> _rings = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Ring() => _rings.Writer.TryWrite(true);

    public IAsyncEnumerable<bool> ListenAsync(CancellationToken cancellationToken) => _rings.Reader.ReadAllAsync(cancellationToken);
}
