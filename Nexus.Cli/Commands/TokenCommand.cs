using System.CommandLine;
using System.Globalization;

namespace Nexus.Cli.Commands;

/// <summary>
/// <c>nexus token</c>: a development token from <c>POST /dev/token</c> (served only in Development, with
/// <c>Auth:AllowDevUsers</c> and a signing key), at the same host as <c>--url</c>.
/// </summary>
internal static class TokenCommand
{
    private static readonly Option<int?> Minutes = new("--minutes")
    {
        Description = "The token's lifetime in minutes (the gateway's default when not given).",
    };

    public static Command Create()
    {
        var command = new Command("token", "Print a development token for --user (use it with --token or NEXUS_TOKEN).") { Minutes };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(Connection.User) is not { Length: > 0 } user)
            {
                Console.Error.WriteLine("nexus: 'token' needs --user (or NEXUS_USER).");
                return ExitCodes.Refused;
            }

            var address = TokenAddress(parse.GetValue(Connection.Url)!, user, parse.GetValue(Connection.Approver), parse.GetValue(Minutes));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                using var response = await http.PostAsync(address, content: null, cancellationToken);
                var body = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
                if (!response.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"nexus: POST {address.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}; "
                        + "development tokens exist only in Development, with Auth:AllowDevUsers and Auth:SigningKey set. " + body);
                    return ExitCodes.Refused;
                }

                Console.WriteLine(body);
                return ExitCodes.Ok;
            }
            catch (HttpRequestException ex)
            {
                Console.Error.WriteLine($"nexus: could not reach {address.GetLeftPart(UriPartial.Authority)}: {ex.Message}");
                return ExitCodes.Unreachable;
            }
        });
        return command;
    }

    /// <summary>ws://host/ws becomes http://host/dev/token?user=…; wss becomes https.</summary>
    internal static Uri TokenAddress(Uri socketUrl, string user, bool approver, int? minutes)
    {
        var query = "user=" + Uri.EscapeDataString(user) + (approver ? "&approver=true" : "")
            + (minutes is { } m ? "&minutes=" + m.ToString(CultureInfo.InvariantCulture) : "");
        return new UriBuilder(socketUrl)
        {
            Scheme = socketUrl.Scheme == "wss" ? "https" : "http",
            Path = "/dev/token",
            Query = query,
        }.Uri;
    }
}
