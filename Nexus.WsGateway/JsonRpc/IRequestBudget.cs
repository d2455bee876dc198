namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// How many requests of one message may run: the connection's rate limit as the engine sees it (docs/protocol.md section 3,
/// "every request of a batch counts"). Asked once per message, before any of it runs.
/// </summary>
internal interface IRequestBudget
{
    /// <summary>
    /// Takes up to <paramref name="requests"/> from the budget and returns how many were granted (0 to
    /// <paramref name="requests"/>). The engine runs that many of the message's first requests, in order, and answers
    /// the rest with -32004.
    /// </summary>
    int Admit(int requests);
}
