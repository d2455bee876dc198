using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Agent;
using Nexus.AgentRunner.Hosting;
using Nexus.Contracts;
using Nexus.Contracts.Events;
using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Runner;

/// <summary>
/// The write_file sandbox (issue 11 item 7): a root of the service's own (0700, never a link), writes that never follow
/// a symbolic link, and a per-session byte and file quota. Real files in a temporary folder.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SandboxTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "nexus-sandbox-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_root_is_made_private_even_when_it_already_exists_open_to_everyone()
    {
        var root = Path.Combine(_folder, "root");
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111);

        await Root(root).StartAsync(CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(root));
    }

    [Fact]
    public async Task A_root_that_is_a_symbolic_link_stops_the_start_naming_the_key()
    {
        var target = Directory.CreateDirectory(Path.Combine(_folder, "elsewhere")).FullName;
        var link = Path.Combine(_folder, "root");
        Directory.CreateSymbolicLink(link, target);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Root(link).StartAsync(CancellationToken.None));
        Assert.Contains("Runner:SandboxRoot", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_planted_link_is_replaced_never_written_through()
    {
        var outside = Path.Combine(_folder, "outside.txt");
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(outside, "precious");
        var sandbox = Root(Path.Combine(_folder, "root")).For("s_1");
        await sandbox.WriteFileAsync("first.txt", "makes the folder", CancellationToken.None);
        File.CreateSymbolicLink(Path.Combine(sandbox.Folder, "notes.txt"), outside);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sandbox.WriteFileAsync("notes.txt", "overwritten", CancellationToken.None));

        Assert.Contains("not a plain file", error.Message, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(outside));
    }

    [Fact]
    public async Task The_byte_quota_counts_every_file_of_the_session_and_an_overwrite_once()
    {
        var sandbox = Root(Path.Combine(_folder, "root"), maxBytes: 10).For("s_1");
        await sandbox.WriteFileAsync("a.txt", "123456", CancellationToken.None);
        await sandbox.WriteFileAsync("a.txt", "1234567", CancellationToken.None); // replaces: 7 bytes in all
        await sandbox.WriteFileAsync("b.txt", "123", CancellationToken.None); // 10 bytes: at the limit

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sandbox.WriteFileAsync("c.txt", "1", CancellationToken.None));

        Assert.Contains("Runner:SandboxMaxBytesPerSession", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(sandbox.Folder, "c.txt")));
        Assert.Equal(["a.txt", "b.txt"], Directory.GetFiles(sandbox.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_file_quota_refuses_a_new_file_but_not_an_overwrite()
    {
        var sandbox = Root(Path.Combine(_folder, "root"), maxFiles: 2).For("s_1");
        await sandbox.WriteFileAsync("a.txt", "a", CancellationToken.None);
        await sandbox.WriteFileAsync("b.txt", "b", CancellationToken.None);
        await sandbox.WriteFileAsync("b.txt", "b2", CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sandbox.WriteFileAsync("c.txt", "c", CancellationToken.None));
        Assert.Contains("Runner:SandboxMaxFilesPerSession", error.Message, StringComparison.Ordinal);
        Assert.Equal("b2", await File.ReadAllTextAsync(Path.Combine(sandbox.Folder, "b.txt")));
    }

    [Fact]
    public async Task Each_session_has_a_quota_of_its_own()
    {
        var root = Root(Path.Combine(_folder, "root"), maxBytes: 4);
        await root.For("s_1").WriteFileAsync("a.txt", "1234", CancellationToken.None);
        await root.For("s_2").WriteFileAsync("a.txt", "1234", CancellationToken.None);
        Assert.Equal("1234", await File.ReadAllTextAsync(Path.Combine(root.Path, "s_2", "a.txt")));
    }

    [Fact]
    public async Task A_session_writing_past_its_quota_ends_with_an_error_after_its_approval()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var events = await NotifyRecorder.StartAsync(redis);
        await using var runner = await RunnerHost.StartAsync(redis, new Dictionary<string, string?> { ["Runner:SandboxMaxBytesPerSession"] = "4" });
        var sessionId = await runner.RunAsync("alice", "write big.txt more than four bytes");
        var requestId = (await events.WaitForEventAsync(sessionId, EventNames.ApprovalRequest)).Data.GetProperty("requestId").GetString();
        await runner.PostAsync($"/api/approvals/{requestId}/decision", new { decision = "approve" }, "bob");

        var completed = await events.WaitForEventAsync(sessionId, EventNames.AgentCompleted);
        Assert.Equal(CompletionReasons.Error, completed.Data.GetProperty("reason").GetString());
        Assert.Contains("SandboxMaxBytesPerSession", Assert.Single(events.ForSession(sessionId), n => n.Event == EventNames.AgentError).Data.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(runner.SandboxRoot, sessionId, "big.txt")));
    }

    private static SandboxRoot Root(string path, long maxBytes = 1024 * 1024, int maxFiles = 100)
        => new(Options.Create(new RunnerOptions { SandboxRoot = path, SandboxMaxBytesPerSession = maxBytes, SandboxMaxFilesPerSession = maxFiles }));
}
