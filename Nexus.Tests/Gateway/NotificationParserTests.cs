using System.Text;
using Nexus.WsGateway.Fanout;

namespace Nexus.Tests.Gateway;

/// <summary>docs/protocol.md section 1 at the parser (issue 11): no invalid UTF-8 anywhere, no frame a client may not be sent.</summary>
public sealed class NotificationParserTests : IDisposable
{
    private readonly NotificationParser _parser = new(maxPayloadBytes: 65_536, maxFrameBytes: 1_048_576);

    public void Dispose() => _parser.Dispose();

    public static TheoryData<string, byte[]> InvalidUtf8 => new()
    {
        { "0xFF in a data string", [.. """{"event":"e","data":"a"""u8, 0xFF, .. "\"}"u8] },
        { "0xFF in the event name", [.. """{"event":"e"""u8, 0xFF, .. "\"}"u8] },
        { "in a nested key", [.. """{"event":"e","data":{"k"""u8, 0xFE, .. "\":1}}"u8] },
        { "in an unknown field", [.. """{"x":" """u8, 0x80, .. "\",\"event\":\"e\"}"u8] },
        { "overlong slash", [.. """{"event":"e","data":" """u8, 0xC0, 0xAF, .. "\"}"u8] },
        { "encoded surrogate", [.. """{"event":"e","data":" """u8, 0xED, 0xA0, 0x80, .. "\"}"u8] },
        { "truncated sequence", [.. """{"event":"e","data":" """u8, 0xE2, 0x82, .. "\"}"u8] },
        { "above U+10FFFF", [.. """{"event":"e","data":" """u8, 0xF4, 0x90, 0x80, 0x80, .. "\"}"u8] },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void A_payload_with_invalid_UTF8_anywhere_is_refused_as_not_utf8(string where, byte[] payload)
    {
        Assert.False(_parser.TryParse("global", payload, 0, out _, out var rejection), where);
        Assert.Equal(NotificationParser.NotUtf8, rejection);
    }

    [Fact]
    public void Valid_multibyte_UTF8_is_forwarded_byte_for_byte()
    {
        var payload = Encoding.UTF8.GetBytes("""{"event":"é","data":"café 😀 €"}""");

        Assert.True(_parser.TryParse("global", payload, 0, out var parsed, out _));

        Assert.Contains("\"event\":\"é\",\"data\":\"café 😀 €\"", Encoding.UTF8.GetString(parsed.Frame), StringComparison.Ordinal);
    }

    [Fact]
    public void A_notification_whose_frame_would_exceed_the_queue_limit_is_refused_as_too_large()
    {
        using var parser = new NotificationParser(maxPayloadBytes: 65_536, maxFrameBytes: 2_000);
        var fits = Encoding.UTF8.GetBytes($$"""{"event":"e","data":"{{new string('d', 1_800)}}"}""");
        var tooLarge = Encoding.UTF8.GetBytes($$"""{"event":"e","data":"{{new string('d', 2_000)}}"}""");

        Assert.True(parser.TryParse("global", fits, 0, out var parsed, out _));
        Assert.True(parsed.Frame.Length <= 2_000);
        Assert.False(parser.TryParse("global", tooLarge, 0, out _, out var rejection));
        Assert.Equal(NotificationParser.TooLarge, rejection);
    }
    [Fact]
    public void The_frame_is_the_protocols_notify_with_the_id_channel_event_data_and_timestamp_in_that_order()
    {
        var payload = """{"id":"7:1700000000000-3","event":"tool.call","data":{"a":[1,2]},"timestamp":123,"extra":true}"""u8;

        Assert.True(_parser.TryParse("session:s1", payload, 999, out var parsed, out _));

        Assert.Equal(
            """{"jsonrpc":"2.0","method":"notify","params":{"id":"7:1700000000000-3","channel":"session:s1","event":"tool.call","data":{"a":[1,2]},"timestamp":123}}""",
            Encoding.UTF8.GetString(parsed.Frame));
        Assert.Equal(new Nexus.Contracts.History.HistoryId("7", 1_700_000_000_000, 3), parsed.Id);
        Assert.Equal("tool.call", parsed.Event);
    }

    [Fact]
    public void Without_data_or_timestamp_the_frame_has_data_null_and_the_time_the_gateway_received_it()
    {
        Assert.True(_parser.TryParse("global", """{"event":"e"}"""u8, 42, out var parsed, out _));

        Assert.Equal("""{"jsonrpc":"2.0","method":"notify","params":{"channel":"global","event":"e","data":null,"timestamp":42}}""", Encoding.UTF8.GetString(parsed.Frame));
        Assert.Null(parsed.Id);
    }

    [Theory]
    [InlineData("""{"event":"e","id":"7:1-1"}""")]
    [InlineData("""{"id":"not an id","event":"e"}""")]
    [InlineData("""{"id":7,"event":"e"}""")]
    [InlineData("""{"id":"7\u003a1-1","event":"e"}""")]
    [InlineData("""{"id":":1-1","event":"e"}""")]
    [InlineData("""{"id":"x:1-1","event":"e"}""")]
    [InlineData("""{"id":"7:1-0","event":"e"}""")]
    [InlineData("""{"id":"7:-1-1","event":"e"}""")]
    public void Only_a_well_formed_id_written_first_by_nexus_publish_is_taken_as_the_notifications_id(string payload)
    {
        Assert.True(_parser.TryParse("global", Encoding.UTF8.GetBytes(payload), 42, out var parsed, out _));

        Assert.Null(parsed.Id);
        Assert.DoesNotContain("\"id\"", Encoding.UTF8.GetString(parsed.Frame), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7:0-1")]
    [InlineData("7:1-1")]
    public void The_smallest_ids_are_well_formed(string id)
    {
        Assert.True(_parser.TryParse("global", Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","event":"e"}"""), 42, out var parsed, out _));

        Assert.Equal(id, parsed.Id.ToString());
        Assert.Contains($"\"id\":\"{id}\"", Encoding.UTF8.GetString(parsed.Frame), StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_of_the_longest_length_is_taken_and_one_character_longer_is_not()
    {
        // The epoch is the part that can be long: digits only, never read as a number.
        var longest = new string('7', Nexus.Contracts.History.HistoryId.MaxLength - 4) + ":1-1";
        var tooLong = "7" + longest;

        Assert.True(_parser.TryParse("global", Encoding.UTF8.GetBytes($$"""{"id":"{{longest}}","event":"e"}"""), 42, out var parsed, out _));
        Assert.NotNull(parsed.Id);
        Assert.True(_parser.TryParse("global", Encoding.UTF8.GetBytes($$"""{"id":"{{tooLong}}","event":"e"}"""), 42, out parsed, out _));
        Assert.Null(parsed.Id);
    }

    [Fact]
    public void Unknown_members_of_any_shape_are_skipped_and_the_traceparent_is_read()
    {
        const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var payload = Encoding.UTF8.GetBytes($$"""{"extra":{"a":[1,{"b":2}]},"traceparent":"{{TraceParent}}","more":[3],"event":"e","data":4}""");

        Assert.True(_parser.TryParse("global", payload, 42, out var parsed, out _));

        Assert.Equal(TraceParent, parsed.TraceParent);
        Assert.Equal("""{"jsonrpc":"2.0","method":"notify","params":{"channel":"global","event":"e","data":4,"timestamp":42}}""", Encoding.UTF8.GetString(parsed.Frame));
    }

    [Theory]
    [InlineData("""{"traceparent":5,"event":"e"}""")]
    [InlineData("""{"traceparent":{"version":"00"},"event":"e"}""")]
    [InlineData("""{"traceparent":["00"],"event":"e"}""")]
    public void A_traceparent_that_is_not_a_string_is_ignored_and_the_notification_still_goes_out(string payload)
    {
        Assert.True(_parser.TryParse("global", Encoding.UTF8.GetBytes(payload), 42, out var parsed, out _));

        Assert.Null(parsed.TraceParent);
        Assert.Equal("e", parsed.Event);
    }

    [Fact]
    public void A_payload_read_back_from_the_history_gets_the_id_it_is_stored_under()
    {
        var stored = new Nexus.Contracts.History.HistoryId("7", 5, 2);

        Assert.True(_parser.TryParse("global", """{"event":"e","timestamp":1}"""u8, 42, stored, out var parsed, out _));

        Assert.Equal("""{"jsonrpc":"2.0","method":"notify","params":{"id":"7:5-2","channel":"global","event":"e","data":null,"timestamp":1}}""", Encoding.UTF8.GetString(parsed.Frame));
        Assert.Equal(stored, parsed.Id);
    }

    [Theory]
    [InlineData("""{"event":""}""", NotificationParser.InvalidEvent)]
    [InlineData("""{"event":5}""", NotificationParser.InvalidEvent)]
    [InlineData("""{"event":null}""", NotificationParser.InvalidEvent)]
    [InlineData("""{"data":1}""", NotificationParser.MissingEvent)]
    [InlineData("""[1]""", NotificationParser.NotObject)]
    [InlineData("\"text\"", NotificationParser.NotObject)]
    [InlineData("""{"event":"e","timestamp":"noon"}""", NotificationParser.InvalidTimestamp)]
    [InlineData("""{"event":"e"} {}""", NotificationParser.NotJson)]
    public void A_payload_that_is_not_a_notification_is_refused_with_its_reason(string payload, string reason)
    {
        Assert.False(_parser.TryParse("global", Encoding.UTF8.GetBytes(payload), 0, out _, out var rejection));
        Assert.Equal(reason, rejection);
    }

    [Fact]
    public void An_event_name_of_128_characters_is_taken_and_one_of_129_is_refused()
    {
        Assert.True(_parser.TryParse("global", Encoding.UTF8.GetBytes($$"""{"event":"{{new string('e', 128)}}"}"""), 0, out _, out _));
        Assert.False(_parser.TryParse("global", Encoding.UTF8.GetBytes($$"""{"event":"{{new string('e', 129)}}"}"""), 0, out _, out var rejection));
        Assert.Equal(NotificationParser.InvalidEvent, rejection);
    }

    [Fact]
    public void A_payload_of_exactly_MaxPayloadBytes_is_taken_and_one_byte_more_is_too_large()
    {
        var exactly = Encoding.UTF8.GetBytes($$"""{"event":"e","data":"{{new string('d', 1_000 - 23)}}"}""");
        Assert.Equal(1_000, exactly.Length);
        using var parser = new NotificationParser(maxPayloadBytes: 1_000, maxFrameBytes: 1_048_576);

        Assert.True(parser.TryParse("global", exactly, 0, out _, out _));
        Assert.False(parser.TryParse("global", [.. exactly[..^1], .. " }"u8], 0, out _, out var rejection));
        Assert.Equal(NotificationParser.TooLarge, rejection);
    }

    [Fact]
    public void A_frame_of_exactly_the_queue_limit_is_taken_and_one_byte_less_of_limit_refuses_it()
    {
        var payload = Encoding.UTF8.GetBytes($$"""{"event":"e","data":"{{new string('d', 500)}}"}""");
        Assert.True(_parser.TryParse("global", payload, 0, out var probe, out _));
        using var atLimit = new NotificationParser(maxPayloadBytes: 65_536, maxFrameBytes: probe.Frame.Length);
        using var belowLimit = new NotificationParser(maxPayloadBytes: 65_536, maxFrameBytes: probe.Frame.Length - 1);

        Assert.True(atLimit.TryParse("global", payload, 0, out var parsed, out _));
        Assert.Equal(probe.Frame, parsed.Frame);
        Assert.False(belowLimit.TryParse("global", payload, 0, out _, out var rejection));
        Assert.Equal(NotificationParser.TooLarge, rejection);
    }
}
