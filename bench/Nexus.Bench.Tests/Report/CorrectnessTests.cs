using Nexus.Bench.LoadGen.Report;

namespace Nexus.Bench.Tests.Report;

/// <summary>What fails the benchmark (issue 16 item 4): wrong deliveries and runs that could not be made; never timing.</summary>
public sealed class CorrectnessTests
{
    private static RunResult Clean(string scenario = "fanout", string server = "nexus") => new()
    {
        Scenario = scenario,
        Server = server,
        Clients = 200,
        Round = 2,
        Connected = 200,
        Published = 1000,
        Deliveries = 200_000,
        Missing = 0,
        Duplicates = 0,
        OutOfOrder = 0,
        Unexpected = 0,
        ClientsDisconnected = 0,
    };

    [Fact]
    public void A_clean_run_does_not_fail_however_slow_it_was()
    {
        var slow = Clean() with { DeliveriesPerSecond = 1, LatencyP99Us = 60_000_000, CpuUsPerDelivery = 1000, LoadGenSaturated = true, Stalled = false };

        Assert.Empty(Correctness.Failures([slow, Clean("idle") with { Missing = null, Duplicates = null, OutOfOrder = null, Unexpected = null }]));
    }

    [Fact]
    public void Missing_duplicated_reordered_and_unpublished_messages_fail_the_run_naming_it_and_every_count()
    {
        var bad = Clean(server: "signalr") with { Missing = 12, Duplicates = 3, OutOfOrder = 4, Unexpected = 5 };

        var failure = Assert.Single(Correctness.Failures([Clean(), bad]));

        Assert.Equal("fanout N=200 signalr round 2: 12 missing, 3 duplicated, 4 out of order, 5 never published", failure);
    }

    [Fact]
    public void A_client_disconnected_by_the_server_fails_the_run_with_the_close_reason()
    {
        var dropped = Clean("idle", "bare") with { ClientsDisconnected = 2, FirstCloseReason = "closed 1013 slow" };

        var failure = Assert.Single(Correctness.Failures([dropped]));

        Assert.Equal("idle N=200 bare round 2: 2 clients disconnected by the server (closed 1013 slow)", failure);
    }

    [Fact]
    public void A_run_that_could_not_be_made_fails()
    {
        var error = new RunResult { Scenario = "moderate", Server = "nexus", Clients = 50, Round = 1, Error = "nexus exited during start-up" };

        Assert.Equal(["moderate N=50 nexus round 1: error: nexus exited during start-up"], Correctness.Failures([error]));
    }

    [Fact]
    public void Every_storm_check_that_went_wrong_is_named()
    {
        var storm = Clean("storm") with
        {
            Missing = 200,
            Storm = new StormFigures
            {
                ReconnectFailed = 1,
                FirstReconnectError = "refused",
                NotRecovered = 2,
                NotRecoveredWhy = "1 no connection, 1 recovered: false",
                FirstNotMissed = 1,
                ReplayCountMismatches = 3,
                MissedAfterResult = 4,
                IdMismatches = 5,
                ResumeErrors = 6,
                FirstResumeError = "-32005",
            },
        };

        var problems = Correctness.Problems(storm);

        Assert.Equal(
            [
                "200 missing",
                "1 reconnects failed (refused)",
                "2 clients not recovered (1 no connection, 1 recovered: false)",
                "1 clients whose first notification after the reconnect was not the first they missed",
                "3 resume results with a replayed count larger than what arrived before them (or a second result)",
                "4 clients that got a missed notification after the resume result",
                "5 notifications with a wrong id",
                "6 resume errors (-32005)",
            ],
            problems);
    }

    [Fact]
    public void A_storm_where_every_client_recovered_does_not_fail()
    {
        var storm = Clean("storm") with { Storm = new StormFigures { Reconnected = 200, MissedPerClient = 100, ReplayedMin = 100, ReplayedMax = 104 } };

        Assert.Empty(Correctness.Problems(storm));
    }
}
