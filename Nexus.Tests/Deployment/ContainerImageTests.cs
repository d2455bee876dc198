using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;

namespace Nexus.Tests.Deployment;

/// <summary>
/// Issue 6 item 3: the gateway's container image comes from the .NET SDK (<c>dotnet publish -t:PublishContainer</c>,
/// no Dockerfile), written to a tarball (<c>ContainerArchiveOutputPath</c>), with no Docker daemon. The real base
/// image cannot be pulled here, so a loopback registry serves a stand-in base image (<see cref="LocalBaseImageRegistry"/>);
/// everything else (the app layer, entry point, user, port, repository name) is the SDK's real output.
/// </summary>
public sealed class ContainerImageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_gateway_image_builds_to_a_tarball_with_the_app_layer_and_entry_point()
    {
        await using var registry = await LocalBaseImageRegistry.StartAsync();
        var output = Directory.CreateTempSubdirectory("nexus-image-");
        try
        {
            await PublishContainerAsync(registry, output.FullName);

            var archive = Assert.Single(Directory.GetFiles(output.FullName, "*.tar.gz", SearchOption.AllDirectories));
            var files = await ReadArchiveAsync(archive);

            var image = ImageOf(files);
            Assert.Contains(image.Tags, t => t.Contains("nexus/wsgateway:", StringComparison.Ordinal));
            Assert.Equal(2, image.Layers.Count);

            using var config = JsonDocument.Parse(files[image.Config]);
            var container = config.RootElement.GetProperty("config");
            var command = string.Join(' ', Strings(container, "Entrypoint").Concat(Strings(container, "Cmd")));
            Assert.Contains("Nexus.WsGateway", command, StringComparison.Ordinal);
            Assert.Equal("/app", container.GetProperty("WorkingDir").GetString()!.TrimEnd('/'));
            // User and port come from the real base image (its non-root user and ASPNETCORE_HTTP_PORTS=8080), which
            // the stand-in does not have; the base layer is the stand-in's, the app layer is this build's.

            var appLayer = files[image.Layers[1]];
            var appFiles = await LayerFileNamesAsync(appLayer);
            Assert.Contains(appFiles, f => f.EndsWith("app/Nexus.WsGateway.dll", StringComparison.Ordinal));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>The image in the archive, whichever layout the SDK wrote: OCI (index.json) or Docker (manifest.json).</summary>
    private static (List<string> Tags, string Config, List<string> Layers) ImageOf(Dictionary<string, byte[]> files)
    {
        if (files.TryGetValue("manifest.json", out var docker))
        {
            using var manifest = JsonDocument.Parse(docker);
            var image = Assert.Single(manifest.RootElement.EnumerateArray().ToArray());
            return (
                [.. image.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()!)],
                image.GetProperty("Config").GetString()!,
                [.. image.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!)]);
        }

        Assert.True(files.TryGetValue("index.json", out var indexBytes), "Neither manifest.json nor index.json in the archive: " + string.Join(", ", files.Keys));
        using var index = JsonDocument.Parse(indexBytes);
        var entries = index.RootElement.GetProperty("manifests").EnumerateArray().ToArray();
        var tags = entries
            .Select(e => e.TryGetProperty("annotations", out var a) && a.TryGetProperty("io.containerd.image.name", out var n) ? n.GetString()
                : e.TryGetProperty("annotations", out var b) && b.TryGetProperty("org.opencontainers.image.ref.name", out var r) ? r.GetString() : null)
            .OfType<string>()
            .ToList();
        using var ociManifest = JsonDocument.Parse(files[Blob(entries[0].GetProperty("digest").GetString()!)]);
        return (
            tags,
            Blob(ociManifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!),
            [.. ociManifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => Blob(l.GetProperty("digest").GetString()!))]);

        static string Blob(string digest) => "blobs/" + digest.Replace(':', '/');
    }

    private static IEnumerable<string> Strings(JsonElement container, string name)
        => container.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.GetString() ?? "")
            : [];

    private static async Task<Dictionary<string, byte[]>> ReadArchiveAsync(string path)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var tar = new TarReader(OpenTar(await File.ReadAllBytesAsync(path)));
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            if (entry.DataStream is null)
            {
                continue;
            }

            using var content = new MemoryStream();
            await entry.DataStream.CopyToAsync(content);
            files[entry.Name.TrimStart('.', '/')] = content.ToArray();
        }

        return files;
    }

    /// <summary>The SDK names its archive .tar.gz but may write it uncompressed; layers are usually gzip: accept both.</summary>
    private static Stream OpenTar(byte[] content)
    {
        var stream = new MemoryStream(content);
        return content.Length > 2 && content[0] == 0x1f && content[1] == 0x8b ? new GZipStream(stream, CompressionMode.Decompress) : stream;
    }

    private static async Task<List<string>> LayerFileNamesAsync(byte[] layer)
    {
        var names = new List<string>();
        await using var tar = new TarReader(OpenTar(layer));
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    private static async Task PublishContainerAsync(LocalBaseImageRegistry registry, string outputDirectory)
    {
        var projectPath = Projects.Nexus_AppHost.ProjectPath;
        var appHostDirectory = Directory.Exists(projectPath) ? projectPath : Path.GetDirectoryName(projectPath)!;
        var gateway = Path.Combine(Path.GetDirectoryName(appHostDirectory.TrimEnd(Path.DirectorySeparatorChar))!, "Nexus.WsGateway", "Nexus.WsGateway.csproj");
        var configuration = typeof(ContainerImageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = registry.Host;
        // --no-build: ./test.sh built the solution in this configuration, and the whole-app tests run those same
        // outputs at the same time, so nothing here may rebuild them.
        foreach (var arg in new[]
        {
            "publish", gateway, "-c", configuration, "--no-build", "-t:PublishContainer", "--nologo",
            $"-p:ContainerBaseImage={registry.BaseImage}",
            $"-p:ContainerArchiveOutputPath={outputDirectory}/",
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet publish did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish -t:PublishContainer did not finish within {Timeout}: {await stdout}");
        }

        Assert.True(process.ExitCode == 0, $"dotnet publish -t:PublishContainer exited with {process.ExitCode}: {await stdout}{await stderr}");
    }
}
