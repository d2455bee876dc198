using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Nexus.WsGateway.Options;
using Nexus.WsGateway.Telemetry;

namespace Nexus.WsGateway.Identity;

/// <summary>
/// <c>POST /dev/token?user=alice[&amp;approver=true][&amp;minutes=60]</c>: a signed token for a developer in one command
/// (issue 4 item 2). The body is the bare token (<c>text/plain</c>), so <c>TOKEN=$(curl -s -X POST ...)</c> works.
/// Mapped only in Development, with <c>Auth:AllowDevUsers</c> and a signing key: it hands out any identity, exactly
/// what <c>?user=</c> already does there, and nothing more.
/// </summary>
internal sealed partial class DevTokenEndpoint(JwtSettings settings, TimeProvider time, ILogger<DevTokenEndpoint> logger)
{
    public const string Path = "/dev/token";
    private const int MaxUserIdLength = 128;
    private const int DefaultMinutes = 60;
    private const int MaxMinutes = 24 * 60;

    public static bool IsEnabled(IHostEnvironment environment, AuthOptions options)
        => environment.IsDevelopment() && options.AllowDevUsers && !string.IsNullOrEmpty(options.SigningKey);

    public static void MapIfEnabled(WebApplication app)
    {
        if (IsEnabled(app.Environment, app.Services.GetRequiredService<IOptions<AuthOptions>>().Value))
        {
            app.MapPost(Path, app.Services.GetRequiredService<DevTokenEndpoint>().HandleAsync);
        }
    }

    public Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var user = query["user"].ToString();
        if (query["user"].Count != 1 || string.IsNullOrWhiteSpace(user) || user.Length > MaxUserIdLength)
        {
            return ReplyAsync(context, StatusCodes.Status400BadRequest, $"?user= must name exactly one user of 1 to {MaxUserIdLength} characters");
        }

        var minutes = DefaultMinutes;
        if (query.TryGetValue("minutes", out var text)
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out minutes) || minutes is < 1 or > MaxMinutes))
        {
            return ReplyAsync(context, StatusCodes.Status400BadRequest, $"?minutes= must be a whole number from 1 to {MaxMinutes}");
        }

        var approver = string.Equals(query["approver"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var now = time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, user)]),
            Claims = approver ? new Dictionary<string, object> { [JwtSettings.ApproverClaim] = true } : null,
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(minutes),
            SigningCredentials = settings.Signing,
        };

        var token = settings.Handler.CreateToken(descriptor);
        Log.DevTokenIssued(logger, user, approver, minutes);
        context.Response.Headers.CacheControl = "no-store";
        return ReplyAsync(context, StatusCodes.Status200OK, token);
    }

    private static Task ReplyAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DevTokenIssued, LogLevel.Information, "Issued a development token for user {UserId} (approver: {IsApprover}, valid {Minutes} minutes).")]
        public static partial void DevTokenIssued(ILogger logger, string userId, bool isApprover, int minutes);
    }
}
