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

    [Fact]
    public async Task The_manifest_describes_the_redis_container_three_services_and_one_external_endpoint()
    {
        var directory = Directory.CreateTempSubdirectory("nexus-manifest-");
        try
        {
            var manifestPath = Path.Combine(directory.FullName, "aspire-manifest.json");
            await PublishManifestAsync(manifestPath);

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

            // Development identities must never reach a deployment (PROTOCOL.md section 5).
            Assert.False(resources.GetProperty("wsgateway").GetProperty("env").TryGetProperty("Auth__AllowDevUsers", out _));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
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

    private static async Task PublishManifestAsync(string manifestPath)
    {
        var appHost = AppHostAssemblyPath();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { appHost, "--publisher", "manifest", "--output-path", manifestPath })
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
