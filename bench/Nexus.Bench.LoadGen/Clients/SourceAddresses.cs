using System.Net;

namespace Nexus.Bench.LoadGen.Clients;

/// <summary>Spreads clients over 127.0.0.1..127.0.0.n (all loopback on Linux) so ports never run short.</summary>
internal static class SourceAddresses
{
    public const int Count = 16;

    public static IPAddress For(int client) => new(new byte[] { 127, 0, 0, (byte)(1 + (client % Count)) });
}
