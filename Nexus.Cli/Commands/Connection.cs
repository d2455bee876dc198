using System.CommandLine;
using Nexus.Client;

namespace Nexus.Cli.Commands;

/// <summary>The options every command shares (where Nexus is, who the caller is), and the client they make.</summary>
internal static class Connection
{
    public const string DefaultUrl = "ws://localhost:5080/ws";

    public static readonly Option<Uri> Url = new("--url")
    {
        Description = $"The socket endpoint (default: $NEXUS_URL, else {DefaultUrl}).",
        Recursive = true,
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("NEXUS_URL") is { Length: > 0 } url ? url : DefaultUrl),
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "ws" or "wss")
            {
                return url;
            }

            result.AddError($"--url must be a ws:// or wss:// address, e.g. {DefaultUrl}; not '{text}'.");
            return null;
        },
    };

    public static readonly Option<string?> User = new("--user", "-u")
    {
        Description = "A development user name (?user=; Development only). Default: $NEXUS_USER.",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NEXUS_USER") is { Length: > 0 } user ? user : null,
    };

    public static readonly Option<bool> Approver = new("--approver")
    {
        Description = "With --user: the development user may decide approvals when approvals are restricted.",
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "An access token (JWT), sent as Authorization: Bearer. Default: $NEXUS_TOKEN (see 'nexus token').",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NEXUS_TOKEN") is { Length: > 0 } token ? token : null,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON (one object per line for notifications), e.g. to pipe into jq.",
        Recursive = true,
    };

    public static IReadOnlyList<Option> Options { get; } = [Url, User, Approver, Token, Json];

    /// <summary>A client for the options of <paramref name="parse"/>; reconnect notices go to standard error.</summary>
    public static NexusClient CreateClient(ParseResult parse)
    {
        var token = parse.GetValue(Token);
        var client = new NexusClient(new NexusClientOptions
        {
            Url = parse.GetValue(Url),
            DevUser = parse.GetValue(User),
            DevApprover = parse.GetValue(Approver),
            AccessTokenProvider = token is null ? null : _ => ValueTask.FromResult<string?>(token),
        });
        client.Reconnecting += error =>
        {
            Console.Error.WriteLine($"nexus: connection lost ({error?.Message}); reconnecting");
            return Task.CompletedTask;
        };
        client.Reconnected += e =>
        {
            Console.Error.WriteLine(e.Resumed ? $"nexus: reconnected, {e.Replayed} missed notification(s) replayed" : "nexus: reconnected");
            return Task.CompletedTask;
        };
        client.ResyncRequired += e =>
        {
            Console.Error.WriteLine(e.Reason == NexusResyncReason.HistoryLost
                ? "nexus: notifications missed while disconnected could not be recovered (history lost)"
                : "nexus: notifications may have been missed while disconnected");
            return Task.CompletedTask;
        };
        return client;
    }

    /// <summary>Runs <paramref name="action"/> with a started client; gateway and connection errors become exit codes and one line on standard error.</summary>
    public static async Task<int> WithClientAsync(ParseResult parse, Func<NexusClient, Task<int>> action, CancellationToken cancellationToken)
    {
        await using var client = CreateClient(parse);
        try
        {
            await client.StartAsync(cancellationToken);
            return await action(client);
        }
        catch (NexusRpcException ex)
        {
            Console.Error.WriteLine($"nexus: {ex.Method} failed: {ex.Code} {ex.ErrorMessage}{(ex.Data is { } data ? " " + data.GetRawText() : "")}");
            return ExitCodes.Refused;
        }
        catch (NexusConnectionException ex)
        {
            Console.Error.WriteLine("nexus: " + ex.Message + (ex.StatusCode == 401 ? " (check --user or --token)" : ""));
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
    }
}

/// <summary>The exit codes of every command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>What was asked for ran but failed (a session that failed, was denied or cancelled).</summary>
    public const int Failed = 1;

    /// <summary>The gateway refused the call (a JSON-RPC error).</summary>
    public const int Refused = 3;

    /// <summary>Nexus could not be reached, or refused the connection.</summary>
    public const int Unreachable = 4;
}
