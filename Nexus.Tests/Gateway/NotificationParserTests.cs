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

        Assert.Contains("\"data\":\"café 😀 €\"", Encoding.UTF8.GetString(parsed.Frame), StringComparison.Ordinal);
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
}
