using Nexus.Client;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Clients;

/// <summary>Reads a client's notifications as an application would (one <c>await foreach</c>) and keeps them for the test.</summary>
public sealed class NotificationLog : IAsyncDisposable
{
    private readonly List<Notification> _items = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    public NotificationLog(NexusClient client)
    {
        _reading = Task.Run(async () =>
        {
            await foreach (var notification in client.ReadNotificationsAsync(_stop.Token))
            {
                lock (_gate)
                {
                    _items.Add(notification);
                }
            }
        });
    }

    public IReadOnlyList<Notification> Items
    {
        get
        {
            lock (_gate)
            {
                return [.. _items];
            }
        }
    }

    /// <summary>The reading loop: it ends when the client stops, and faults when the client gave up.</summary>
    public Task Reading => _reading;

    public async Task<Notification> WaitForAsync(Func<Notification, bool> predicate, string what, TimeSpan? timeout = null)
    {
        await Wait.UntilAsync(() => Items.Any(predicate) || _reading.IsCompleted, what, timeout);
        var found = Items.FirstOrDefault(predicate);
        Assert.True(found is not null, $"the notifications ended ({_reading.Status}) before {what}");
        return found;
    }

    public Task<Notification> WaitForEventAsync(string eventName, Func<Notification, bool>? predicate = null, TimeSpan? timeout = null)
        => WaitForAsync(n => n.Event == eventName && (predicate?.Invoke(n) ?? true), "event " + eventName, timeout);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
