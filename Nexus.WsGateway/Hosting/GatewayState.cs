namespace Nexus.WsGateway.Hosting;

/// <summary>Whether new upgrades are accepted; turned off when shutdown begins.</summary>
internal sealed class GatewayState
{
    private volatile bool _accepting = true;

    public bool IsAccepting => _accepting;

    public void StopAccepting() => _accepting = false;
}
