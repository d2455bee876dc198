using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace Nexus.Contracts.Publishing;

/// <summary>The resilience pipeline of a publish: an overall timeout around retries of transient Redis errors.</summary>
internal static class PublishPipeline
{
    public static ResiliencePipeline Create(NotificationPublisherOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };

        // The timeout is added first, so it is the outer strategy and bounds the retries too.
        builder.AddTimeout(options.TotalTimeout);
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder()
                    .Handle<RedisConnectionException>()
                    .Handle<RedisTimeoutException>(),
            });
        }

        return builder.Build();
    }
}
