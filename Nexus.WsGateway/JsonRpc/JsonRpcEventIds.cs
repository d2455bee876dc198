namespace Nexus.WsGateway.JsonRpc;

/// <summary>Log event ids of the JSON-RPC engine and its methods: one table, range 2000-2999.</summary>
internal static class JsonRpcEventIds
{
    public const int ParseError = 2001;
    public const int InvalidRequest = 2002;
    public const int MethodNotFound = 2003;
    public const int MethodFailed = 2004;
    public const int BatchTooLarge = 2005;
    public const int ResponseTooLarge = 2006;

    public const int FilterChanged = 2101;
    public const int FilterTooLarge = 2102;

    public const int ResumeReplayed = 2111;
    public const int ResumeNotRecovered = 2112;
    public const int ResumeReplayFailed = 2113;

    public const int RunnerUnavailable = 2201;
    public const int RunnerUnexpectedStatus = 2202;
    public const int RunnerRefusedCredential = 2203;
}
