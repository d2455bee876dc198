using System.Text;
using Nexus.Bench.LoadGen.Clients;

namespace Nexus.Bench.Tests.Clients;

/// <summary>The byte scan that finds every <c>"seq":N,"t":T</c> in a message of any of the three wire formats.</summary>
public sealed class NotificationScannerTests
{
    [Fact]
    public void A_nexus_notification_with_an_id_yields_its_seq_and_timestamp()
    {
        var sink = new RecordingSink();
        var frame = """{"jsonrpc":"2.0","method":"notify","params":{"id":"1764:1764-9","channel":"global","event":"bench.tick","data":{"seq":42,"t":123456789,"pad":"xxxx"},"timestamp":1764}}""";

        var found = NotificationScanner.Scan(Encoding.UTF8.GetBytes(frame), 7, sink);

        Assert.Equal(1, found);
        Assert.Equal([(7, 42L, 123456789L)], sink.Deliveries);
    }

    [Fact]
    public void Several_signalr_records_in_one_message_each_yield_one_delivery_in_order()
    {
        var sink = new RecordingSink();
        var message = """{"type":1,"target":"notify","arguments":[{"event":"bench.tick","data":{"seq":-3,"t":10,"pad":"x"}}]}""" + "\u001e"
                      + """{"type":1,"target":"notify","arguments":[{"event":"bench.tick","data":{"seq":4,"t":11,"pad":"x"}}]}""" + "\u001e";

        var found = NotificationScanner.Scan(Encoding.UTF8.GetBytes(message), 0, sink);

        Assert.Equal(2, found);
        Assert.Equal([(0, -3L, 10L), (0, 4L, 11L)], sink.Deliveries);
    }

    [Fact]
    public void A_seq_without_its_timestamp_or_one_inside_a_string_is_not_a_delivery()
    {
        var sink = new RecordingSink();
        var message = """{"data":{"seq":5,"x":1},"pad":"\"seq\":6,\"t\":7","other":{"seq":"8","t":9},"last":{"seq":9,"t":10}}""";

        var found = NotificationScanner.Scan(Encoding.UTF8.GetBytes(message), 1, sink);

        Assert.Equal(1, found);
        Assert.Equal([(1, 9L, 10L)], sink.Deliveries);
    }

    [Fact]
    public void A_message_without_any_seq_yields_nothing()
    {
        var sink = new RecordingSink();

        var found = NotificationScanner.Scan("""{"jsonrpc":"2.0","id":1,"result":{"recovered":true,"replayed":0}}"""u8, 1, sink);

        Assert.Equal(0, found);
        Assert.Empty(sink.Deliveries);
    }

    private sealed class RecordingSink : IDeliverySink
    {
        public List<(int Client, long Seq, long Sent)> Deliveries { get; } = [];

        public void OnDelivery(int client, long seq, long sentTimestamp) => Deliveries.Add((client, seq, sentTimestamp));

        public void OnClosed(int client, string reason)
        {
        }
    }
}
