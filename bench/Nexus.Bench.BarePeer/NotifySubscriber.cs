using System.Buffers;
using System.Text.Json;
using StackExchange.Redis;

namespace Nexus.Bench.BarePeer;

/// <summary>
/// Subscribes to <c>nexus:notify:global</c> and wraps each payload in the same JSON-RPC notify
/// envelope as Nexus (docs/protocol.md 4.1), built once per message.
/// </summary>
internal sealed class NotifySubscriber(IConnectionMultiplexer redis, SocketRegistry registry, ILogger<NotifySubscriber> logger) : IHostedService
{
    private const string Channel = "nexus:notify:global";
    private ChannelMessageQueue? _queue;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channel));
        // Synchronous handler on the sequential queue: publish order is kept.
        _queue.OnMessage(message =>
        {
            try
            {
                registry.Broadcast(BuildEnvelope((byte[])message.Message!));
            }
            catch (JsonException ex)
            {
                logger.LogWarning(ex, "Dropped a payload that is not JSON");
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_queue is not null)
        {
            await _queue.UnsubscribeAsync();
        }
    }

    private static byte[] BuildEnvelope(byte[] payload)
    {
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        var buffer = new ArrayBufferWriter<byte>(payload.Length + 96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WriteString("method"u8, "notify"u8);
            writer.WritePropertyName("params"u8);
            writer.WriteStartObject();
            writer.WriteString("channel"u8, "global"u8);
            writer.WritePropertyName("event"u8);
            root.GetProperty("event").WriteTo(writer);
            writer.WritePropertyName("data"u8);
            if (root.TryGetProperty("data", out var data))
            {
                data.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WritePropertyName("timestamp"u8);
            if (root.TryGetProperty("timestamp", out var timestamp))
            {
                timestamp.WriteTo(writer);
            }
            else
            {
                writer.WriteNumberValue(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
