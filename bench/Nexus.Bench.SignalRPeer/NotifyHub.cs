using Microsoft.AspNetCore.SignalR;

namespace Nexus.Bench.SignalRPeer;

/// <summary>Clients only listen; every notification reaches them through <c>Clients.All</c>.</summary>
internal sealed class NotifyHub : Hub;
