using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Nexus.AgentRunner.Hosting;
using Nexus.Contracts.Identity;

namespace Nexus.AgentRunner.Auth;

/// <summary>
/// Who may call the runner's API (docs/protocol.md section 5.1): a user with a token (the framework's JWT bearer
/// handler, with the gateway's own validation parameters), or the gateway with its service credential speaking for
/// the user it authenticated. A policy scheme picks one by the <c>Authorization</c> header's scheme word; a request
/// with neither is challenged with 401.
/// </summary>
internal static class RunnerAuthenticationExtensions
{
    private const string SelectorScheme = "Nexus";

    public static IServiceCollection AddRunnerAuthentication(this IServiceCollection services)
    {
        services.AddOptions<RunnerAuthOptions>().BindConfiguration(RunnerAuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RunnerAuthOptions>, RunnerAuthOptionsValidator>();

        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "User token or service credential", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith(ServiceCredential.Scheme + " ", StringComparison.OrdinalIgnoreCase)
                    ? ServiceCredentialHandler.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ServiceCredentialHandler>(ServiceCredentialHandler.SchemeName, null);

        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<RunnerAuthOptions>>((bearer, auth) =>
            {
                var a = auth.Value;
                bearer.MapInboundClaims = false;
                // No key (Development only): no token validates, every bearer call is a 401.
                bearer.TokenValidationParameters = NexusTokens.CreateValidationParameters(
                    a.SigningKey is { Length: > 0 } key ? key : Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)),
                    a.Issuer,
                    a.Audience,
                    a.ClockSkew);
                bearer.Events = new JwtBearerEvents
                {
                    // The gateway refuses a token without a usable sub; so does the API (401, not a nameless caller).
                    OnTokenValidated = context =>
                    {
                        if (!NexusTokens.IsValidUserId(context.Principal?.FindFirst(NexusTokens.SubjectClaim)?.Value))
                        {
                            context.Fail($"the token's sub must name the user in 1 to {NexusTokens.MaxUserIdLength} characters");
                        }

                        return Task.CompletedTask;
                    },
                };
            });

        services.AddAuthorization();
        return services;
    }
}
