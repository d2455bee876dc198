using Microsoft.Extensions.Time.Testing;
using Nexus.WsGateway.Connections;

namespace Nexus.Tests.Gateway;

/// <summary>docs/protocol.md section 3 rate limit, on a fake clock.</summary>
public sealed class RequestRateLimiterTests
{
    [Fact]
    public void Allows_a_burst_of_twice_the_rate_then_rejects_then_refills()
    {
        var time = new FakeTimeProvider();
        var limiter = new RequestRateLimiter(10, time);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(RateDecision.Allowed, limiter.Acquire());
        }

        Assert.Equal(RateDecision.Rejected, limiter.Acquire());
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(RateDecision.Allowed, limiter.Acquire());
        Assert.Equal(RateDecision.Rejected, limiter.Acquire());
    }

    [Fact]
    public void A_batch_takes_one_token_per_request_and_gets_what_is_left()
    {
        var time = new FakeTimeProvider();
        var limiter = new RequestRateLimiter(10, time);

        Assert.Equal(RateDecision.Allowed, limiter.Acquire(15, out var first));
        Assert.Equal(15, first);
        Assert.Equal(RateDecision.Rejected, limiter.Acquire(8, out var second));
        Assert.Equal(5, second);
        Assert.Equal(RateDecision.Rejected, limiter.Acquire(1, out var third));
        Assert.Equal(0, third);

        time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(RateDecision.Rejected, limiter.Acquire(4, out var refilled));
        Assert.Equal(3, refilled);
    }

    [Fact]
    public void Disconnects_a_client_still_over_the_limit_ten_seconds_later()
    {
        var time = new FakeTimeProvider();
        var limiter = new RequestRateLimiter(10, time);
        for (var i = 0; i < 20; i++)
        {
            limiter.Acquire();
        }

        var decisions = new List<RateDecision>();
        for (var tick = 0; tick < 110; tick++)
        {
            // 30 requests per second against a limit of 10: always over.
            for (var i = 0; i < 3; i++)
            {
                decisions.Add(limiter.Acquire());
            }

            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var firstDisconnect = decisions.IndexOf(RateDecision.Disconnect);
        Assert.InRange(firstDisconnect / 3, 99, 101);
        Assert.Contains(RateDecision.Allowed, decisions);
    }

    [Fact]
    public void A_client_back_under_the_limit_starts_a_new_grace_period()
    {
        var time = new FakeTimeProvider();
        var limiter = new RequestRateLimiter(10, time);
        for (var i = 0; i < 21; i++)
        {
            limiter.Acquire();
        }

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(RateDecision.Allowed, limiter.Acquire());
        for (var i = 0; i < 30; i++)
        {
            limiter.Acquire();
        }

        // Eleven seconds after the first rejection, but the client was back under the limit in between.
        time.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(RateDecision.Allowed, limiter.Acquire());
        }

        Assert.Equal(RateDecision.Rejected, limiter.Acquire());
    }
}
