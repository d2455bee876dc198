using Microsoft.Extensions.AI;
using Nexus.AgentRunner.Durable;
using Nexus.AgentRunner.Sessions;

namespace Nexus.AgentRunner.Agent;

/// <summary>
/// How <see cref="FunctionInvokingChatClient"/> runs a tool in a session: the journal first (a completed call returns its
/// recorded result and does not run again), then the fenced <c>agent.progress</c>, the tool, and its result in the
/// journal. A runner that lost the lease fails at the first fenced step, before the tool runs (issue 13 items 2 and 3).
/// </summary>
internal static partial class JournaledInvoker
{
    public static Func<FunctionInvocationContext, CancellationToken, ValueTask<object?>> For(AgentSession session, ToolJournal journal, ILogger logger)
        => async (context, token) =>
        {
            var call = context.CallContent;
            var begin = await journal.BeginAsync(session, call);
            if (begin.Completed)
            {
                Log.Replayed(logger, session.SessionId, call.Name, call.CallId);
                return begin.Result;
            }

            await session.ReportProgressAsync("running " + context.Function.Name, token);
            Log.Running(logger, session.SessionId, call.Name, call.CallId, session.Fence.Number);
            object? result;
            try
            {
                result = await context.Function.InvokeAsync(context.Arguments, token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not LeaseLostException)
            {
                // It ran and failed: recorded, so the audit says so and nobody runs it again.
                await journal.EndAsync(session, call.CallId, "error: " + ex.Message);
                throw;
            }

            await journal.EndAsync(session, call.CallId, result);
            return result;
        };

    private static partial class Log
    {
        [LoggerMessage(3120, LogLevel.Information, "Session {SessionId} runs {Tool} (call {CallId}, fence {Fence})")]
        public static partial void Running(ILogger logger, string sessionId, string tool, string callId, long fence);

        [LoggerMessage(3121, LogLevel.Information, "Session {SessionId}: {Tool} (call {CallId}) already ran; its journaled result is used")]
        public static partial void Replayed(ILogger logger, string sessionId, string tool, string callId);
    }
}
