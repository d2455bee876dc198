using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace Nexus.Bench.Parked;

/// <summary>
/// Parks <c>--sessions</c> agent sessions on approval requests in one runner process and measures what they cost while
/// nobody decides (issue 13): Redis memory per parked session, and the runner's CPU per second of an idle window with
/// them parked against the same window with none. With <c>--approve</c> it then approves them all and times the resumes.
/// </summary>
internal sealed class ParkedBench(ParkedOptions options)
{
    private const string TaskText = "write parked.txt waiting for a person then echo resumed";
    private const int SessionsPerUser = 100;

    private readonly string _serviceKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly List<string> _report = [];

    public async Task<int> RunAsync()
    {
        var dll = Path.Combine(options.Root, "Nexus.AgentRunner", "bin", "Release", "net10.0", "Nexus.AgentRunner.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"{dll} is missing: run bench/parked.sh, which builds it.");
            return 1;
        }

        var sandbox = Path.Combine(Path.GetTempPath(), "nexus-bench-parked", Guid.NewGuid().ToString("N"));
        var redisPort = ChildProcesses.FreePort();
        var redisProcess = ChildProcesses.StartRedis(redisPort);
        Process? runner = null;
        try
        {
            var redis = await ConnectAsync(redisPort);
            var runnerPort = ChildProcesses.FreePort();
            runner = ChildProcesses.StartRunner(dll, runnerPort, new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__redis"] = $"127.0.0.1:{redisPort}",
                ["Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Auth__ServiceKey"] = _serviceKey,
                ["Runner__SandboxRoot"] = sandbox,
                ["Runner__MaxSessionsPerUser"] = (SessionsPerUser * 2).ToString(CultureInfo.InvariantCulture),
                ["Approvals__Timeout"] = "1.00:00:00",
                ["Logging__LogLevel__Default"] = "Warning",
                // A refusal for capacity while parking at full speed is expected here (the client retries it).
                ["Logging__LogLevel__Nexus.AgentRunner.Sessions.SessionManager"] = "Error",
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{runnerPort}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitHealthyAsync(http, runner);
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            var db = redis.GetDatabase();

            Line($"# Parked sessions, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            Line("");
            Line($"`bench/parked.sh {string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Where(a => a != "--root" && a != options.Root))}` on {Environment.ProcessorCount} cores; one runner process, one redis-server.");
            Line("");

            // The runner's own idle cost first (heartbeat, sweeper, GC), with nothing parked: the yardstick.
            var memoryBefore = await UsedMemoryAsync(server);
            var idleEmpty = await IdleWindowAsync(runner.Id, redisProcess.Id);

            var clock = Stopwatch.StartNew();
            await ParkAllAsync(http, db);
            var parkSeconds = clock.Elapsed.TotalSeconds;
            var memoryAfter = await UsedMemoryAsync(server);
            var idleParked = await IdleWindowAsync(runner.Id, redisProcess.Id);

            Line("| figure | value |");
            Line("|---|---|");
            Line($"| parked sessions | {options.Sessions:N0} (waiting for approval; Redis `ZCARD nexus:approvals:pending` = {await db.SortedSetLengthAsync("nexus:approvals:pending"):N0}, held leases = {await db.SortedSetLengthAsync("nexus:leases")}) |");
            Line($"| time to park them | {parkSeconds:F1} s ({options.Sessions / parkSeconds:F0} sessions/s, {options.Concurrency} requests at once) |");
            Line($"| Redis used_memory | {memoryBefore / 1048576.0:F1} MiB before, {memoryAfter / 1048576.0:F1} MiB after |");
            Line($"| **Redis memory per parked session** | **{(memoryAfter - memoryBefore) / (double)options.Sessions:F0} bytes** |");
            Line($"| runner CPU per second, idle, 0 parked, just started | {idleEmpty.RunnerCpuPerSecond * 1000:F2} ms/s (over {idleEmpty.Seconds:F0} s; start-up JIT still running) |");
            Line($"| **runner CPU per second, idle, {options.Sessions:N0} parked** | **{idleParked.RunnerCpuPerSecond * 1000:F2} ms/s** (over {idleParked.Seconds:F0} s) |");
            Line($"| redis-server CPU per second, idle, 0 / {options.Sessions:N0} parked | {idleEmpty.RedisCpuPerSecond * 1000:F2} / {idleParked.RedisCpuPerSecond * 1000:F2} ms/s |");
            Line($"| runner RSS, 0 / {options.Sessions:N0} parked | {idleEmpty.RunnerRssKb / 1024.0:F0} / {idleParked.RunnerRssKb / 1024.0:F0} MiB |");
            await KeySizesAsync(db);

            if (options.Approve)
            {
                clock.Restart();
                await ApproveAllAsync(http, db);
                var seconds = clock.Elapsed.TotalSeconds;
                Line($"| approve all and wait for every session to complete | {seconds:F1} s ({options.Sessions / seconds:F0} resumed sessions/s) |");

                // The yardstick again, warm this time: the same runner with nothing parked.
                var idleAfter = await IdleWindowAsync(runner.Id, redisProcess.Id);
                Line($"| **runner CPU per second, idle, 0 parked, warm (after the resumes)** | **{idleAfter.RunnerCpuPerSecond * 1000:F2} ms/s** (over {idleAfter.Seconds:F0} s); RSS {idleAfter.RunnerRssKb / 1024.0:F0} MiB |");
                Line($"| Redis used_memory after every session ended | {await UsedMemoryAsync(server) / 1048576.0:F1} MiB (ended records are kept `Runner:RecordRetention`, audit records `Approvals:AuditRetention`) |");
            }

            var folder = Path.Combine(options.Root, "bench", "results");
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, $"parked-{DateTime.UtcNow:yyyyMMdd-HHmm}.md");
            await File.WriteAllLinesAsync(file, _report);
            Console.WriteLine();
            Console.WriteLine("written to " + file);
            return 0;
        }
        finally
        {
            if (runner is not null)
            {
                ChildProcesses.Stop(runner);
            }

            ChildProcesses.Stop(redisProcess);
            if (Directory.Exists(sandbox))
            {
                Directory.Delete(sandbox, recursive: true);
            }
        }
    }

    private async Task ParkAllAsync(HttpClient http, IDatabase db)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < options.Sessions; i = Interlocked.Increment(ref next))
            {
                while (true)
                {
                    using var request = Request(HttpMethod.Post, "/api/sessions", $"bench{i / SessionsPerUser}");
                    request.Content = JsonContent.Create(new { task = TaskText });
                    request.Headers.Add("Idempotency-Key", "park-" + i.ToString(CultureInfo.InvariantCulture));
                    using var response = await http.SendAsync(request);
                    if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                    {
                        break;
                    }

                    // 429 runner_capacity: every slot is busy parking a session; try again shortly.
                    if (response.StatusCode != HttpStatusCode.TooManyRequests)
                    {
                        throw new InvalidOperationException($"POST /api/sessions: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }

                    await Task.Delay(5);
                }
            }
        }));

        await UntilAsync(async () => await db.SortedSetLengthAsync("nexus:approvals:pending") >= options.Sessions && await db.SortedSetLengthAsync("nexus:leases") == 0, "every session to be parked");
    }

    private async Task ApproveAllAsync(HttpClient http, IDatabase db)
    {
        var ids = (await db.SortedSetRangeByRankAsync("nexus:approvals:pending")).Select(v => v.ToString()).ToArray();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < ids.Length; i = Interlocked.Increment(ref next))
            {
                using var request = Request(HttpMethod.Post, $"/api/approvals/{ids[i]}/decision", "bench-approver");
                request.Content = JsonContent.Create(new { decision = "approve" });
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
            }
        }));

        await UntilAsync(async () => await db.SetLengthAsync("nexus:sessions:active") == 0, "every session to complete");
    }

    private async Task<IdleWindow> IdleWindowAsync(int runnerPid, int redisPid)
    {
        // A few seconds to settle (the last publishes, GC), then the window.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var (runner0, redis0, clock) = (ProcCpu.CpuSeconds(runnerPid), ProcCpu.CpuSeconds(redisPid), Stopwatch.StartNew());
        await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds));
        var seconds = clock.Elapsed.TotalSeconds;
        return new IdleWindow(
            seconds,
            (ProcCpu.CpuSeconds(runnerPid) - runner0) / seconds,
            (ProcCpu.CpuSeconds(redisPid) - redis0) / seconds,
            ProcCpu.RssKb(runnerPid));
    }

    /// <summary>What one parked session keeps in Redis, key by key (MEMORY USAGE of one sample).</summary>
    private async Task KeySizesAsync(IDatabase db)
    {
        var sessionId = (await db.SetMembersAsync("nexus:sessions:active")).First().ToString();
        var requestId = (string)(await db.HashGetAsync("nexus:session:" + sessionId, "approval"))!;
        var parts = new List<string>();
        foreach (var key in new[] { "nexus:session:", "nexus:conversation:", "nexus:journal:", "nexus:lease:", "nexus:session-approvals:" }.Select(p => p + sessionId).Append("nexus:approval:" + requestId))
        {
            var bytes = (long)await db.ExecuteAsync("MEMORY", "USAGE", key);
            parts.Add($"`{key.Split(':')[1]}` {bytes}");
        }

        Line($"| one parked session's keys (MEMORY USAGE, bytes) | {string.Join(", ", parts)}; plus its entries in the pending, active, user and history indexes |");
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string user)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Nexus-Service " + _serviceKey);
        request.Headers.Add("X-Nexus-User", user);
        request.Headers.Add("X-Nexus-Approver", "true");
        return request;
    }

    private void Line(string text)
    {
        _report.Add(text);
        Console.WriteLine(text);
    }

    private static async Task<long> UsedMemoryAsync(IServer server)
    {
        var info = (await server.InfoAsync("memory")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        return long.Parse(info["used_memory"], CultureInfo.InvariantCulture);
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true,abortConnect=true,connectTimeout=1000");
            }
            catch (RedisConnectionException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task WaitHealthyAsync(HttpClient http, Process runner)
    {
        await UntilAsync(async () =>
        {
            if (runner.HasExited)
            {
                throw new InvalidOperationException($"the runner exited with {runner.ExitCode}");
            }

            try
            {
                using var response = await http.GetAsync("/health");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the runner to be healthy");
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(200);
        }
    }

    private readonly record struct IdleWindow(double Seconds, double RunnerCpuPerSecond, double RedisCpuPerSecond, long RunnerRssKb);
}
