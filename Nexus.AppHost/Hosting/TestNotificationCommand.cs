using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Nexus.Contracts;
using Nexus.Contracts.Publishing;
using StackExchange.Redis;

namespace Nexus.AppHost.Hosting;

/// <summary>
/// A dashboard command on the gateway (issue 15 item 2): publishes a <c>nexus.test</c> notification on <c>global</c>,
/// so a newcomer sees an event reach every connected client (the console's live feed) without a terminal or redis-cli.
/// It goes the way any publisher's does: a plain PUBLISH on <c>nexus:notify:global</c>, written by the services' own
/// <see cref="NotificationPublisher"/> (docs/protocol.md section 1).
/// </summary>
internal static class TestNotificationCommand
{
    public const string Name = "publish-test-notification";
    public const string EventName = "nexus.test";

    public static IResourceBuilder<ProjectResource> WithTestNotificationCommand(
        this IResourceBuilder<ProjectResource> gateway, IResourceBuilder<IResourceWithConnectionString> redis)
        => gateway.WithCommand(Name, "Publish test notification", context => PublishAsync(redis.Resource, context), new CommandOptions
        {
            Description = $"Publishes a '{EventName}' event on the global channel; every connected client receives it.",
            IconName = "Send",
            IsHighlighted = true,
            // Only a healthy gateway (its /health includes Redis) can deliver what the command publishes.
            UpdateState = state => state.ResourceSnapshot.HealthStatus == HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });

    private static async Task<ExecuteCommandResult> PublishAsync(IResourceWithConnectionString redis, ExecuteCommandContext context)
    {
        var connectionString = await redis.GetConnectionStringAsync(context.CancellationToken);
        try
        {
            // A rare, manual action: a connection of its own, closed at once, rather than one the AppHost keeps.
            await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString!);
            var publisher = new NotificationPublisher(
                connection, context.Services.GetRequiredService<ILogger<NotificationPublisher>>(), TimeProvider.System);
            var id = Guid.NewGuid().ToString("N");
            var data = new TestNotification(id, "A test notification from the Aspire dashboard.", "aspire-dashboard");
            return await publisher.PublishAsync(Channels.Global, EventName, data, TestNotificationJsonContext.Default.TestNotification, context.CancellationToken) is { } durableId
                ? CommandResults.Success($"Published {EventName} {id} on {Channels.Global} (notification id {durableId}).")
                : CommandResults.Failure("Redis did not accept the notification; see the AppHost's log.");
        }
        catch (RedisConnectionException ex)
        {
            return CommandResults.Failure($"Cannot reach Redis: {ex.Message}");
        }
    }
}

/// <summary>The <c>data</c> of a test notification; <paramref name="Id"/> tells one press of the button from another.</summary>
internal sealed record TestNotification(string Id, string Message, string From);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TestNotification))]
internal sealed partial class TestNotificationJsonContext : JsonSerializerContext;
