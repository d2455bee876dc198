using System.Text.Json;
using Aspire.Hosting.Testing;

namespace Nexus.Tests.App;

/// <summary>
/// Issue 14, "the command-line tool": through the front door of the whole app, the <c>nexus</c> tool runs a task that
/// needs approval and follows it, another user lists and approves the request with it, and the first one reads the result.
/// </summary>
[Collection(NexusAppCollection.Name)]
public sealed class CliTests(NexusAppFixture fixture)
{
    [Fact]
    public async Task The_cli_runs_a_task_that_needs_approval_approves_it_with_another_user_and_reads_the_result()
    {
        var url = SocketUrl();
        var (alice, bob) = (User("alice"), User("bob"));

        await using var run = CliProcess.Start("run", "write cli.txt from the cli then echo saved", "--url", url, "--user", alice, "--json");
        var sessionId = Json(await run.WaitForLineAsync(l => l.StartsWith("{\"sessionId\"", StringComparison.Ordinal), "the session id")).GetProperty("sessionId").GetString()!;
        var request = Json(await run.WaitForLineAsync(l => l.Contains("\"approval_request\"", StringComparison.Ordinal), "the approval request"));
        Assert.Equal("approval", request.GetProperty("channel").GetString());
        Assert.Equal(sessionId, request.GetProperty("data").GetProperty("sessionId").GetString());
        var requestId = request.GetProperty("data").GetProperty("requestId").GetString()!;

        var listed = await CliProcess.RunAsync("approvals", "list", "--url", url, "--user", bob, "--json");
        Assert.True(listed.ExitCode == 0, string.Join('\n', listed.Errors));
        var pending = Assert.Single(Json(Assert.Single(listed.Output)).EnumerateArray(), a => a.GetProperty("requestId").GetString() == requestId);
        Assert.Equal(alice, pending.GetProperty("owner").GetString());
        Assert.Equal("write_file", pending.GetProperty("tool").GetString());

        var approved = await CliProcess.RunAsync("approvals", "approve", requestId, "--url", url, "--user", bob, "--reason", "looks fine");
        Assert.True(approved.ExitCode == 0, string.Join('\n', approved.Errors));
        Assert.Equal($"{requestId} approved", Assert.Single(approved.Output));

        // The follower prints the decision and the result, and exits 0 because the session succeeded.
        Assert.Equal(0, await run.WaitForExitAsync());
        var lines = run.Output.Skip(1).Select(Json).ToList();
        var resolved = Assert.Single(lines, l => l.GetProperty("event").GetString() == "approval_resolved").GetProperty("data");
        Assert.Equal(bob, resolved.GetProperty("by").GetString());
        Assert.Equal("looks fine", resolved.GetProperty("reason").GetString());
        var completed = lines[^1];
        Assert.Equal("agent.completed", completed.GetProperty("event").GetString());
        Assert.True(completed.GetProperty("data").GetProperty("success").GetBoolean());
        Assert.Equal("saved", completed.GetProperty("data").GetProperty("result").GetString());
        Assert.All(lines, l => Assert.Equal(sessionId, l.GetProperty("data").GetProperty("sessionId").GetString()));

        var sessions = await CliProcess.RunAsync("agents", "list", "--url", url, "--user", alice, "--json");
        Assert.Equal("completed", Assert.Single(Json(Assert.Single(sessions.Output)).EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_cli_gets_a_development_token_that_works_as_an_identity_and_a_denied_run_exits_1()
    {
        var url = SocketUrl();
        var carol = User("carol");
        var token = await CliProcess.RunAsync("token", "--url", url, "--user", carol);
        Assert.True(token.ExitCode == 0, string.Join('\n', token.Errors));
        var jwt = Assert.Single(token.Output);
        Assert.Equal(3, jwt.Split('.').Length);

        await using var run = CliProcess.Start("run", "write denied.txt no", "--url", url, "--token", jwt);
        var waiting = await run.WaitForLineAsync(l => l.Contains("waiting for approval: nexus approvals approve ", StringComparison.Ordinal), "the approval hint");
        var requestId = waiting.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(w => w.StartsWith("apr_", StringComparison.Ordinal));
        var denied = await CliProcess.RunAsync("approvals", "deny", requestId, "--url", url, "--token", jwt);
        Assert.True(denied.ExitCode == 0, string.Join('\n', denied.Errors));
        Assert.Equal(1, await run.WaitForExitAsync());
        Assert.Contains(run.Output, l => l.Contains("failed (denied)", StringComparison.Ordinal));

        // A second decision is refused by the gateway: exit 3 and the conflict on standard error.
        var again = await CliProcess.RunAsync("approvals", "approve", requestId, "--url", url, "--token", jwt);
        Assert.Equal(3, again.ExitCode);
        Assert.Contains(again.Errors, l => l.Contains("-32003", StringComparison.Ordinal) && l.Contains("\"denied\"", StringComparison.Ordinal));
    }

    private string SocketUrl()
        => new UriBuilder(fixture.App.GetEndpoint("proxy", "http")) { Scheme = "ws", Path = "/ws" }.Uri.ToString();

    private static string User(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();
}
