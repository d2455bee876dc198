using System.Text;
using Nexus.Bench.LoadGen.Scenarios.Storm;

namespace Nexus.Bench.Tests.Scenarios;

/// <summary>
/// The reconnect storm's checks (issue 12): reading the resume's messages, the resume request, each client's verdict,
/// and the ids.
/// </summary>
public sealed class StormTests
{
    private const string Epoch = "1764345600123456";

    [Fact]
    public void A_gateway_notification_yields_its_id_seq_and_timestamp()
    {
        var frame = Notification(seq: 42, sequence: 1042, sent: 987654321);

        var m = StormMessage.Parse(frame);

        Assert.Equal(StormMessageKind.Notification, m.Kind);
        Assert.Equal($"{Epoch}:1764345600999-1042", Encoding.UTF8.GetString(m.Id));
        Assert.Equal(42, m.Seq);
        Assert.Equal(987654321, m.Sent);
    }

    [Fact]
    public void A_plain_notification_has_no_id()
    {
        var m = StormMessage.Parse("""{"jsonrpc":"2.0","method":"notify","params":{"channel":"global","event":"bench.tick","data":{"seq":-1,"t":5},"timestamp":1}}"""u8);

        Assert.Equal(StormMessageKind.Notification, m.Kind);
        Assert.True(m.Id.IsEmpty);
        Assert.Equal(-1, m.Seq);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"recovered":true,"replayed":117}}""", true, 117)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"replayed":0,"recovered":false}}""", false, 0)]
    public void The_resume_result_yields_recovered_and_replayed(string json, bool recovered, long replayed)
    {
        var m = StormMessage.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(StormMessageKind.ResumeResult, m.Kind);
        Assert.Equal(recovered, m.Recovered);
        Assert.Equal(replayed, m.Replayed);
    }

    [Fact]
    public void Errors_and_other_messages_are_told_apart()
    {
        var error = StormMessage.Parse("""{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"unavailable"}}"""u8);
        var other = StormMessage.Parse("""{"jsonrpc":"2.0","id":1,"result":{"filter":{"include":null,"exclude":[]}}}"""u8);

        Assert.Equal(StormMessageKind.Error, error.Kind);
        Assert.Equal(StormMessageKind.Other, other.Kind);
    }

    [Fact]
    public void The_resume_request_carries_the_last_id_as_it_came()
    {
        var request = ResumeWire.Request(Encoding.UTF8.GetBytes($"{Epoch}:1764345600999-7"));

        Assert.Equal(
            $$$"""{"jsonrpc":"2.0","id":1,"method":"notify.resume","params":{"since":"{{{Epoch}}}:1764345600999-7"}}""",
            Encoding.UTF8.GetString(request));
    }

    [Fact]
    public void An_id_matches_only_its_own_seq_in_the_dense_history()
    {
        using var run = new StormRun(clients: 1, missed: 3, capacity: 10);
        run.SetIds(Epoch, baseSequence: 1000);

        Assert.True(run.IdMatches(Id(1000), 0));
        Assert.True(run.IdMatches(Id(1007), 7));
        Assert.False(run.IdMatches(Id(1008), 7));
        Assert.False(run.IdMatches(Encoding.UTF8.GetBytes("1764345600123457:1764345600999-1000"), 0));
        Assert.False(run.IdMatches(Encoding.UTF8.GetBytes($"{Epoch}:1764345600999-1000x"), 0));
        Assert.False(run.IdMatches([], 0));
    }

    [Fact]
    public void A_client_recovers_when_it_has_the_result_and_every_missed_notification_in_order()
    {
        using var run = new StormRun(clients: 1, missed: 3, capacity: 10);
        run.SetIds(Epoch, baseSequence: 1000);
        var client = run.Clients[0];
        client.MarkFirstConnected();
        client.ReconnectStart = 100;
        client.UpgradedAt = 150;

        // The replay (0..2 missed, 3 published while away), a live one held meanwhile, the result, then live ones.
        foreach (var seq in new long[] { 0, 1, 2, 3 })
        {
            Receive(run, Notification(seq, 1000 + seq, sent: 90));
        }

        Receive(run, Notification(4, 1004, sent: 160));
        Receive(run, """{"jsonrpc":"2.0","id":1,"result":{"recovered":true,"replayed":4}}"""u8);
        Receive(run, Notification(5, 1005, sent: 170));

        Assert.True(client.Settled);
        Assert.NotEqual(0, client.RecoveredAt);
        Assert.Equal(0, client.FirstSeq);
        Assert.Equal(5, client.BeforeResult);
        Assert.Equal(4, client.Replayed);
        Assert.Equal(6, client.Deliveries.Received);
        Assert.Equal(0, client.Deliveries.OutOfOrder + client.Deliveries.Duplicates + client.IdMismatches + client.Stale);
        Assert.Equal(2, run.LiveLatency.Merge().Count); // seq 4 and 5: published after the reconnect
    }

    [Fact]
    public void Recovered_true_without_the_missed_notifications_is_not_a_recovery()
    {
        using var run = new StormRun(clients: 1, missed: 3, capacity: 10);
        run.SetIds(Epoch, baseSequence: 1000);
        var client = run.Clients[0];
        client.MarkFirstConnected();

        // What a gateway that let a live notification out before the resume was handled sends: the live one, no replay.
        Receive(run, Notification(3, 1003, sent: 1));
        Receive(run, """{"jsonrpc":"2.0","id":1,"result":{"recovered":true,"replayed":0}}"""u8);

        Assert.Equal(0, client.RecoveredAt);
        Assert.False(client.Settled);
        Assert.Equal(3, client.FirstSeq);
    }

    [Fact]
    public void Recovered_false_an_error_or_a_close_settle_a_client_without_recovering_it()
    {
        using var run = new StormRun(clients: 3, missed: 1, capacity: 10);
        foreach (var c in run.Clients)
        {
            c.MarkFirstConnected();
        }

        run.StormSink.OnMessage(0, """{"jsonrpc":"2.0","id":1,"result":{"recovered":false,"replayed":0}}"""u8);
        run.StormSink.OnMessage(1, """{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"unavailable"}}"""u8);
        run.StormSink.OnClosed(2, "closed 1013 slow");

        Assert.All(run.Clients, c => Assert.True(c.Settled));
        Assert.All(run.Clients, c => Assert.Equal(0, c.RecoveredAt));
        Assert.Contains("-32005", run.Clients[1].ErrorReply, StringComparison.Ordinal);
        Assert.Equal("closed 1013 slow", run.Clients[2].Deliveries.CloseReason);
    }

    [Fact]
    public void Repeats_of_notifications_before_the_resume_point_and_wrong_ids_are_counted()
    {
        using var run = new StormRun(clients: 1, missed: 2, capacity: 10);
        run.SetIds(Epoch, baseSequence: 1000);
        var client = run.Clients[0];
        client.MarkFirstConnected();

        Receive(run, Notification(-5, 999, sent: 1)); // a warm-up one, at or before since
        Receive(run, Notification(0, 1000, sent: 1));
        Receive(run, Notification(1, 1000, sent: 1)); // the id of seq 0 again
        Receive(run, Notification(1, 1001, sent: 1));

        Assert.Equal(1, client.Stale);
        Assert.Equal(1, client.IdMismatches);
        Assert.Equal(1, client.Deliveries.Duplicates);
    }

    [Fact]
    public void The_first_connection_keeps_the_id_of_its_latest_warm_up_and_only_unexpected_ends_count()
    {
        using var run = new StormRun(clients: 2, missed: 1, capacity: 10);
        run.FirstSink.OnMessage(0, Notification(-1, 500, sent: 1));
        run.FirstSink.OnMessage(0, Notification(-3, 502, sent: 1));
        run.FirstSink.OnMessage(0, Notification(-2, 501, sent: 1)); // older than the latest: not a resume point

        run.FirstSink.OnClosed(1, "closed 1011 boom");
        run.EndFirstConnections();
        run.FirstSink.OnClosed(0, "cancelled");

        Assert.Equal(2, run.Clients[0].WarmLast);
        Assert.Equal($"{Epoch}:1764345600999-502", Encoding.UTF8.GetString(run.Clients[0].LastId));
        Assert.Null(run.Clients[0].FirstCloseReason);
        Assert.Equal("closed 1011 boom", run.Clients[1].FirstCloseReason);
    }

    private static void Receive(StormRun run, ReadOnlySpan<byte> message) => run.StormSink.OnMessage(0, message);

    private static byte[] Id(long sequence) => Encoding.UTF8.GetBytes($"{Epoch}:1764345600999-{sequence}");

    /// <summary>A notification as the gateway writes it (docs/protocol.md section 4.1): params.id first.</summary>
    private static byte[] Notification(long seq, long sequence, long sent)
        => Encoding.UTF8.GetBytes(
            $$$"""{"jsonrpc":"2.0","method":"notify","params":{"id":"{{{Epoch}}}:1764345600999-{{{sequence}}}","channel":"global","event":"bench.tick","data":{"seq":{{{seq}}},"t":{{{sent}}},"pad":"xxxx"},"timestamp":1764345600999}}""");
}
