using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Nexus.AppHost.Redis;

/// <summary>
/// Healthy when the process answers a RESP <c>PING</c> with <c>+PONG</c>. The orchestrator's port proxy accepts
/// connections before redis-server listens, so an open socket alone proves nothing.
/// </summary>
internal sealed class RedisPingHealthCheck(RedisServerResource resource) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly byte[] Ping = "*1\r\n$4\r\nPING\r\n"u8.ToArray();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Not EndpointReference.IsAllocated: it caches its first answer, and the first check may run before allocation.
        if (resource.PrimaryEndpoint.EndpointAnnotation.AllocatedEndpoint is not { } endpoint)
        {
            return HealthCheckResult.Unhealthy("redis endpoint not allocated yet");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(endpoint.Address, endpoint.Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Ping, timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"unexpected PING reply '{reply.Trim()}' from {endpoint.Address}:{endpoint.Port}");
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Unhealthy($"no PING reply from {endpoint.Address}:{endpoint.Port}: {ex.Message}");
        }
    }
}
