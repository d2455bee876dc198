using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Nexus.Tests.App;

/// <summary>
/// The manifest azd reads (issue 6): the Redis container, the three services, the proxy as the only external
/// endpoint, and the connection-string and service-discovery wiring. Runs the built AppHost in publish mode.
/// </summary>
public sealed class ManifestPublishTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Replica counts change the development topology only: a deployment has one service per kind.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task The_manifest_describes_the_redis_container_three_services_and_one_external_endpoint(int gatewayReplicas)
    {
        var directory = Directory.CreateTempSubdirectory("nexus-manifest-");
        try
        {
            var manifestPath = Path.Combine(directory.FullName, "aspire-manifest.json");
            await PublishManifestAsync(manifestPath, $"--Nexus:Gateway:Replicas={gatewayReplicas}", $"--Nexus:Runner:Replicas={gatewayReplicas}");

            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
            var resources = manifest.RootElement.GetProperty("resources");

            var redis = resources.GetProperty("redis");
            Assert.Equal("container.v0", redis.GetProperty("type").GetString());
            Assert.Contains("redis", redis.GetProperty("image").GetString(), StringComparison.Ordinal);

            string[] projects = ["wsgateway", "agentrunner", "proxy"];
            foreach (var name in projects)
            {
                Assert.Equal("project.v0", resources.GetProperty(name).GetProperty("type").GetString());
            }

            var projectNames = resources.EnumerateObject()
                .Where(r => r.Value.GetProperty("type").GetString() == "project.v0")
                .Select(r => r.Name)
                .Order()
                .ToArray();
            Assert.Equal(projects.Order(), projectNames);

            var external = resources.EnumerateObject()
                .SelectMany(r => Bindings(r.Value).Select(b => (Resource: r.Name, Binding: b)))
                .Where(x => x.Binding.TryGetProperty("external", out var e) && e.GetBoolean())
                .Select(x => x.Resource)
                .ToArray();
            Assert.Equal(["proxy"], external);

            foreach (var name in new[] { "wsgateway", "agentrunner" })
            {
                Assert.Equal("{redis.connectionString}", Env(resources, name, "ConnectionStrings__redis"));
            }

            Assert.Equal("{agentrunner.bindings.http.url}", Env(resources, "wsgateway", "services__agentrunner__http__0"));
            Assert.Equal("{wsgateway.bindings.http.url}", Env(resources, "proxy", "services__wsgateway__http__0"));
            Assert.Equal("{agentrunner.bindings.http.url}", Env(resources, "proxy", "services__agentrunner__http__0"));
            Assert.Equal("{auth-signing-key.value}", Env(resources, "wsgateway", "Auth__SigningKey"));

            // Development identities must never reach a deployment (docs/protocol.md section 5).
            Assert.False(resources.GetProperty("wsgateway").GetProperty("env").TryGetProperty("Auth__AllowDevUsers", out _));
            AssertProductionSettings(resources);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Configured_model_parameters_reach_the_runner_with_the_api_key_as_a_secret()
    {
        var directory = Directory.CreateTempSubdirectory("nexus-manifest-");
        try
        {
            var manifestPath = Path.Combine(directory.FullName, "aspire-manifest.json");
            await PublishManifestAsync(
                manifestPath,
                "--Parameters:model-endpoint=http://127.0.0.1:8080/v1", "--Parameters:model-name=tiny", "--Parameters:model-api-key=k");

            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
            var resources = manifest.RootElement.GetProperty("resources");
            Assert.Equal("{model-endpoint.value}", Env(resources, "agentrunner", "Runner__Model__Endpoint"));
            Assert.Equal("{model-name.value}", Env(resources, "agentrunner", "Runner__Model__Name"));
            Assert.Equal("{model-api-key.value}", Env(resources, "agentrunner", "Runner__Model__ApiKey"));
            Assert.True(Parameter(resources, "model-api-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
            Assert.False(Parameter(resources, "model-endpoint").GetProperty("inputs").GetProperty("value").TryGetProperty("secret", out _));
            // The values themselves stay out of the manifest: azd asks for them at deployment.
            Assert.DoesNotContain("127.0.0.1:8080", await File.ReadAllTextAsync(manifestPath), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Issue 6 item 4: what a deployment gets without anyone remembering to set it.</summary>
    private static void AssertProductionSettings(JsonElement resources)
    {
        // Redis: its connection string is the platform's (the container's binding and generated password).
        var redisConnection = resources.GetProperty("redis").GetProperty("connectionString").GetString();
        Assert.Contains("{redis.bindings.tcp.host}", redisConnection, StringComparison.Ordinal);
        Assert.Contains("password=", redisConnection, StringComparison.Ordinal);

        // History, sessions and approvals live there: a volume, and snapshots (docs/scaling.md, "Redis durability").
        var redis = resources.GetProperty("redis");
        Assert.Equal("/data", Assert.Single(redis.GetProperty("volumes").EnumerateArray()).GetProperty("target").GetString());
        Assert.Contains(redis.GetProperty("args").EnumerateArray(), a => a.GetString()!.Contains("--save 10 1", StringComparison.Ordinal));

        // The signing key and the allowed origin are deployment parameters; the key is a secret.
        Assert.True(Parameter(resources, "auth-signing-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        Assert.Equal("{gateway-allowed-origin.value}", Env(resources, "wsgateway", "Gateway__AllowedOrigins__0"));
        _ = Parameter(resources, "gateway-allowed-origin");

        // Both services hold the signing key and the gateway's service credential (docs/protocol.md section 5.1).
        Assert.True(Parameter(resources, "runner-service-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        foreach (var name in new[] { "wsgateway", "agentrunner" })
        {
            Assert.Equal("{auth-signing-key.value}", Env(resources, name, "Auth__SigningKey"));
            Assert.Equal("{runner-service-key.value}", Env(resources, name, "Auth__ServiceKey"));
            Assert.Equal("{approvals-restricted.value}", Env(resources, name, "Auth__RestrictApprovals"));
        }

        // Approvals are restricted to approvers and self-approval is off unless the deployment's parameters say otherwise.
        Assert.Equal("{approvals-allow-self.value}", Env(resources, "agentrunner", "Approvals__AllowSelfApproval"));
        Assert.Equal("true", Parameter(resources, "approvals-restricted").GetProperty("inputs").GetProperty("value").GetProperty("default").GetProperty("value").GetString());
        Assert.Equal("false", Parameter(resources, "approvals-allow-self").GetProperty("inputs").GetProperty("value").GetProperty("default").GetProperty("value").GetString());

        foreach (var name in new[] { "wsgateway", "agentrunner", "proxy" })
        {
            var env = resources.GetProperty(name).GetProperty("env");
            // No environment name: the services run as Production, where development defaults are off.
            Assert.False(env.TryGetProperty("ASPNETCORE_ENVIRONMENT", out _), $"{name} must not set ASPNETCORE_ENVIRONMENT");
            Assert.False(env.TryGetProperty("DOTNET_ENVIRONMENT", out _), $"{name} must not set DOTNET_ENVIRONMENT");
        }

        // The gateway is one service whose replicas the platform balances; the per-replica destinations are
        // a development-only arrangement (docs/scaling.md).
        Assert.DoesNotContain(resources.GetProperty("proxy").GetProperty("env").EnumerateObject(), e => e.Name.StartsWith("Proxy__GatewayAddresses", StringComparison.Ordinal));

        // The model parameters are optional: absent unless configured.
        Assert.DoesNotContain(resources.GetProperty("agentrunner").GetProperty("env").EnumerateObject(), e => e.Name.StartsWith("Runner__Model__", StringComparison.Ordinal));
    }

    private static JsonElement Parameter(JsonElement resources, string name)
    {
        Assert.True(resources.TryGetProperty(name, out var parameter), $"No parameter '{name}' in the manifest.");
        Assert.Equal("parameter.v0", parameter.GetProperty("type").GetString());
        return parameter;
    }

    private static IEnumerable<JsonElement> Bindings(JsonElement resource)
        => resource.TryGetProperty("bindings", out var bindings)
            ? bindings.EnumerateObject().Select(b => b.Value)
            : [];

    private static string? Env(JsonElement resources, string resource, string name)
        => resources.GetProperty(resource).GetProperty("env").GetProperty(name).GetString();

    /// <summary>
    /// The AppHost's own build output (same configuration and framework as the tests): the copy beside the tests
    /// lacks the AppHost's dependency manifest and cannot start on its own.
    /// </summary>
    private static string AppHostAssemblyPath()
    {
        // ProjectPath names the project folder (older Aspire versions named the .csproj).
        var projectPath = Projects.Nexus_AppHost.ProjectPath;
        var projectDirectory = Directory.Exists(projectPath) ? projectPath : Path.GetDirectoryName(projectPath)!;
        var configuration = typeof(ManifestPublishTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        var path = Path.Combine(projectDirectory, "bin", configuration, framework, "Nexus.AppHost.dll");
        Assert.True(File.Exists(path), $"The AppHost is not built at {path}; run ./test.sh (it builds the solution first).");
        return path;
    }

    private static async Task PublishManifestAsync(string manifestPath, params string[] extraArgs)
    {
        var appHost = AppHostAssemblyPath();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { appHost, "--publisher", "manifest", "--output-path", manifestPath }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("The AppHost did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Manifest publish did not finish within {Timeout}: {await output}");
        }

        Assert.True(process.ExitCode == 0, $"The AppHost exited with {process.ExitCode}: {await output}{await error}");
        Assert.True(File.Exists(manifestPath), $"No manifest at {manifestPath}: {await output}");
    }
}
