using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Nexus.Bench.Micro;

/// <summary>
/// The straightforward hot path of the bare Kestrel peer, as a yardstick: parse the Redis payload,
/// build the JSON-RPC envelope once, queue the same bytes on one channel per recipient.
/// <see cref="NexusFanOutBenchmarks"/> is the gateway's own hot path beside it.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class BaselineFanOutBenchmarks
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes(
        "{\"event\":\"bench.tick\",\"data\":{\"seq\":1,\"t\":123456789,\"pad\":\"" + new string('x', 96) + "\"},\"timestamp\":1764345600000}");

    private Channel<byte[]>[] _queues = [];

    [Params(1, 100, 1000)]
    public int Recipients { get; set; }

    [GlobalSetup]
    public void Setup()
        => _queues = Enumerable.Range(0, Recipients)
            .Select(_ => Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }))
            .ToArray();

    [Benchmark]
    public int ParseWrapAndQueue()
    {
        var envelope = Wrap(Payload);
        foreach (var queue in _queues)
        {
            queue.Writer.TryWrite(envelope);
        }

        // Drain so the queues do not grow across iterations (a send loop would do this).
        var drained = 0;
        foreach (var queue in _queues)
        {
            while (queue.Reader.TryRead(out _))
            {
                drained++;
            }
        }

        return drained;
    }

    private static byte[] Wrap(byte[] payload)
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
            root.GetProperty("data").WriteTo(writer);
            writer.WritePropertyName("timestamp"u8);
            root.GetProperty("timestamp").WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new AllocatedPerRecipientColumn());
    }
}
