using System.Text;
using Nexus.WsGateway.Fanout;

namespace Nexus.Tests.Gateway;

/// <summary>PROTOCOL.md section 1 at the parser (issue 11): no frame a client may not be sent.</summary>
public sealed class NotificationParserTests : IDisposable
{
    private readonly NotificationParser _parser = new(maxPayloadBytes: 65_536, maxFrameBytes: 1_048_576);

    public void Dispose() => _parser.Dispose();

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
