using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Browsers send their token as <c>?access_token=</c> (they cannot set headers on a WebSocket), so a request URL can
/// carry a secret (issue 4 item 7). It must not reach logs or traces:
/// <list type="bullet">
/// <item>ASP.NET Core's "Request starting ... ?access_token=..." (category <c>Microsoft.AspNetCore.Hosting.Diagnostics</c>)
/// and YARP's "Proxying to ...?access_token=..." (<c>Yarp.ReverseProxy.Forwarder.HttpForwarder</c>) are logged at
/// Information: both categories are held at Warning, whatever configuration says (these rules are added after the
/// configuration's, and the last equally specific rule wins).</item>
/// <item>OpenTelemetry redacts query values by default, but Aspire turns that off in development
/// (<c>OTEL_DOTNET_EXPERIMENTAL_*_DISABLE_URL_QUERY_REDACTION=true</c>): the enrich callbacks redact the token's
/// value in every string tag of server and client spans again.</item>
/// </list>
/// </summary>
internal static partial class SecretRedaction
{
    public const string Replacement = "Redacted";

    public static void HoldUrlLoggingAtWarning(ILoggingBuilder logging)
    {
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        logging.AddFilter("Yarp.ReverseProxy.Forwarder.HttpForwarder", LogLevel.Warning);
    }

    public static void RedactTags(Activity activity)
    {
        List<KeyValuePair<string, string>>? redacted = null;
        foreach (var tag in activity.TagObjects)
        {
            if (tag.Value is string text && text.Contains("access_token", StringComparison.OrdinalIgnoreCase))
            {
                (redacted ??= []).Add(new(tag.Key, Redact(text)));
            }
        }

        foreach (var (key, value) in redacted ?? [])
        {
            activity.SetTag(key, value);
        }
    }

    public static string Redact(string text) => SecretQueryValue().Replace(text, Replacement);

    [GeneratedRegex("(?<=(^|[?&])access_token=)[^&#]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretQueryValue();
}
