using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;
using Nexus.WsGateway.Options;

namespace Nexus.Tests.JsonRpc;

/// <summary>In-memory methods for the engine tests: those of the specification's examples, plus echo and failures.</summary>
internal static class TestMethods
{
    public static JsonRpcDispatcher Dispatcher(params IJsonRpcMethod[] extra) => Dispatcher(new GatewayOptions(), extra);

    /// <summary>With the limits of <paramref name="options"/> (<c>MaxBatchSize</c>, <c>MaxQueuedBytes</c>).</summary>
    public static JsonRpcDispatcher Dispatcher(GatewayOptions options, params IJsonRpcMethod[] extra) =>
        new([new Subtract(), new Sum(), new GetData(), new Echo(), new Counting("update"), new Counting("notify_hello"),
             new Counting("notify_sum"), new Throwing(), new Failing(), .. extra],
            Options.Create(options),
            NullLogger<JsonRpcDispatcher>.Instance);

    public static ClientContext Client(string user = "alice", bool approver = false) => new("c1", user, approver);

    private sealed class Subtract : IJsonRpcMethod
    {
        public string Name => "subtract";

        public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
        {
            var p = parameters!.Value;
            var (a, b) = p.ValueKind == JsonValueKind.Array
                ? (p[0].GetInt32(), p[1].GetInt32())
                : (p.GetProperty("minuend").GetInt32(), p.GetProperty("subtrahend").GetInt32());
            return ValueTask.FromResult(JsonRpcResult.Success(w => w.WriteNumberValue(a - b)));
        }
    }

    private sealed class Sum : IJsonRpcMethod
    {
        public string Name => "sum";

        public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken) =>
            ValueTask.FromResult(JsonRpcResult.Success(w => w.WriteNumberValue(parameters!.Value.EnumerateArray().Sum(e => e.GetInt32()))));
    }

    private sealed class GetData : IJsonRpcMethod
    {
        public string Name => "get_data";

        public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken) =>
            ValueTask.FromResult(JsonRpcResult.Success(w =>
            {
                w.WriteStartArray();
                w.WriteStringValue("hello");
                w.WriteNumberValue(5);
                w.WriteEndArray();
            }));
    }

    /// <summary>Returns its params (or null when absent).</summary>
    private sealed class Echo : IJsonRpcMethod
    {
        public string Name => "echo";

        public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken) =>
            ValueTask.FromResult(JsonRpcResult.Success(w =>
            {
                if (parameters is { } p)
                {
                    p.WriteTo(w);
                }
                else
                {
                    w.WriteNullValue();
                }
            }));
    }

    private sealed class Throwing : IJsonRpcMethod
    {
        public string Name => "boom";

        public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("handler bug");
    }

    /// <summary>Answers with the error whose code is given in params.code.</summary>
    private sealed class Failing : IJsonRpcMethod
    {
        public string Name => "fail";

        public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
        {
            var code = parameters!.Value.GetProperty("code").GetInt32();
            var error = code switch
            {
                JsonRpcErrorCodes.InvalidParams => JsonRpcError.InvalidParams("x", "x is wrong"),
                JsonRpcErrorCodes.Conflict => JsonRpcError.Conflict("r1", "approved", "bob"),
                JsonRpcErrorCodes.Forbidden => JsonRpcError.Forbidden("no"),
                JsonRpcErrorCodes.NotFound => JsonRpcError.NotFound("none"),
                JsonRpcErrorCodes.RateLimited => JsonRpcError.RateLimited,
                _ => JsonRpcError.Unavailable,
            };
            return ValueTask.FromResult(JsonRpcResult.Failure(error));
        }
    }
}

/// <summary>Counts its calls, answers null: stands for the specification's notification targets.</summary>
internal sealed class Counting(string name) : IJsonRpcMethod
{
    private int _calls;

    public string Name => name;

    public int Calls => _calls;

    public ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return ValueTask.FromResult(JsonRpcResult.Success(w => w.WriteNullValue()));
    }
}
