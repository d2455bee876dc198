using System.Text.Json;

namespace Nexus.Client;

/// <summary>
/// The gateway answered a call with a JSON-RPC error (docs/protocol.md section 4.3). <see cref="Code"/> is one of
/// <see cref="NexusErrorCodes"/>; <see cref="Data"/> is the error's <c>data</c> as sent.
/// </summary>
public sealed class NexusRpcException : Exception
{
    /// <summary>Creates the exception for an error reply.</summary>
    /// <param name="method">The method called.</param>
    /// <param name="code">The JSON-RPC error code.</param>
    /// <param name="message">The error's message.</param>
    /// <param name="data">The error's data, when it had any.</param>
    public NexusRpcException(string method, int code, string message, JsonElement? data = null)
        : base($"{method} failed: {code} {message}")
    {
        Method = method;
        Code = code;
        ErrorMessage = message;
        Data = data;
    }

    /// <summary>The method whose call failed.</summary>
    public string Method { get; }

    /// <summary>The JSON-RPC error code (<see cref="NexusErrorCodes"/>).</summary>
    public int Code { get; }

    /// <summary>The error's <c>message</c> as the gateway sent it.</summary>
    public string ErrorMessage { get; }

    /// <summary>The error's <c>data</c>: <c>{ param, message }</c> for -32602, <c>{ requestId, status, by }</c> for -32003, <c>{ limit, max }</c> for a quota.</summary>
    public new JsonElement? Data { get; }

    /// <summary>For -32602: the name of the bad parameter (<c>data.param</c>); null otherwise.</summary>
    public string? Param => ReadString("param");

    /// <summary>For -32003: the request's final status (<c>data.status</c>: <c>approved</c>, <c>denied</c>, <c>expired</c>); null otherwise.</summary>
    public string? ConflictStatus => Code == NexusErrorCodes.Conflict ? ReadString("status") : null;

    private string? ReadString(string name)
        => Data is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>
/// The connection failed: it could not be opened (<see cref="StatusCode"/> says when the gateway refused the upgrade),
/// or it was lost before a call's answer came. A call that fails this way may or may not have run on the gateway.
/// </summary>
public sealed class NexusConnectionException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The socket's own exception, if any.</param>
    /// <param name="statusCode">The HTTP status of a refused upgrade (401: no valid token, 403: origin, 429: too many connections).</param>
    public NexusConnectionException(string message, Exception? innerException = null, int? statusCode = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of a refused upgrade; null when the socket was opened, or no answer came.</summary>
    public int? StatusCode { get; }
}
