using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.Tests.Deployment;

/// <summary>
/// A read-only OCI registry on loopback serving one tiny base image, so the SDK's container build can run where
/// the real base image (the ASP.NET runtime image on a public registry) cannot be pulled: only package registries
/// are reachable here, and SDK 10.0.4xx takes base images from registries only (no local daemon, no tarball).
/// It serves the distribution API the SDK reads: <c>GET /v2/</c>, manifests and blobs by digest.
/// </summary>
internal sealed class LocalBaseImageRegistry : IAsyncDisposable
{
    public const string Repository = "nexus-test-base";
    public const string Tag = "1";
    private const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";

    private readonly WebApplication _app;
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly byte[] _manifest;
    private readonly string _manifestDigest;

    private LocalBaseImageRegistry(WebApplication app, byte[] manifest, Dictionary<string, byte[]> blobs)
    {
        _app = app;
        _manifest = manifest;
        _manifestDigest = Digest(manifest);
        _blobs = blobs;
    }

    /// <summary><c>localhost:port</c>, the registry part of an image name.</summary>
    public string Host { get; private set; } = "";

    public string BaseImage => $"{Host}/{Repository}:{Tag}";

    public static async Task<LocalBaseImageRegistry> StartAsync()
    {
        var (manifest, blobs) = BuildImage();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var registry = new LocalBaseImageRegistry(app, manifest, blobs);
        app.MapMethods("/v2/", ["GET", "HEAD"], () => Results.Json(new { }));
        app.MapMethods("/v2/{repository}/manifests/{reference}", ["GET", "HEAD"], registry.Manifest);
        app.MapMethods("/v2/{repository}/blobs/{digest}", ["GET", "HEAD"], registry.Blob);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        // "localhost" is the name the SDK treats as a plain-HTTP registry (it tries TLS for other hosts).
        registry.Host = $"localhost:{new Uri(address).Port}";
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private IResult Manifest(string repository, string reference, HttpContext context)
    {
        if (repository != Repository || (reference != Tag && reference != _manifestDigest))
        {
            return Results.NotFound();
        }

        context.Response.Headers["Docker-Content-Digest"] = _manifestDigest;
        return Results.Bytes(_manifest, ManifestMediaType);
    }

    private IResult Blob(string repository, string digest, HttpContext context)
    {
        if (repository != Repository || !_blobs.TryGetValue(digest, out var blob))
        {
            return Results.NotFound();
        }

        context.Response.Headers["Docker-Content-Digest"] = digest;
        return Results.Bytes(blob, "application/octet-stream");
    }

    /// <summary>One layer holding one marker file, an image config for linux/amd64, and the manifest naming both.</summary>
    private static (byte[] Manifest, Dictionary<string, byte[]> Blobs) BuildImage()
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "etc/nexus-test-base")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes("a stand-in base image for the container build test\n")),
            };
            writer.WriteEntry(entry);
        }

        var layerTar = tar.ToArray();
        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(layerTar);
        }

        var layer = gz.ToArray();
        var config = Encoding.UTF8.GetBytes($$$"""
            {"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["{{{Digest(layerTar)}}}"]}}
            """);
        var manifest = Encoding.UTF8.GetBytes($$$"""
            {"schemaVersion":2,"mediaType":"{{{ManifestMediaType}}}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{{Digest(config)}}}","size":{{{config.Length}}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{{Digest(layer)}}}","size":{{{layer.Length}}}}]}
            """);
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [Digest(config)] = config, [Digest(layer)] = layer };
        return (manifest, blobs);
    }

    private static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
