namespace Nexus.Bench.LoadGen.Servers;

/// <summary>A server under test: where its built dll is and how a client reaches it.</summary>
internal sealed record ServerKind(string Name, string RelativeDll, string PathFormat, bool SignalR)
{
    public static readonly ServerKind Nexus = new(
        "nexus", "Nexus.WsGateway/bin/Release/net10.0/Nexus.WsGateway.dll", "/ws?user=bench{0}", SignalR: false);

    public static readonly ServerKind SignalRPeer = new(
        "signalr", "bench/Nexus.Bench.SignalRPeer/bin/Release/net10.0/Nexus.Bench.SignalRPeer.dll", "/hub", SignalR: true);

    public static readonly ServerKind Bare = new(
        "bare", "bench/Nexus.Bench.BarePeer/bin/Release/net10.0/Nexus.Bench.BarePeer.dll", "/ws", SignalR: false);

    public static IReadOnlyList<ServerKind> All { get; } = [Nexus, SignalRPeer, Bare];

    public static ServerKind Parse(string name)
        => All.FirstOrDefault(k => k.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"unknown server '{name}': expected one of {string.Join(", ", All.Select(k => k.Name))}");

    public string PathFor(int clientIndex) => string.Format(System.Globalization.CultureInfo.InvariantCulture, PathFormat, clientIndex);
}
