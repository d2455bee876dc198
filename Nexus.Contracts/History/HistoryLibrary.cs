namespace Nexus.Contracts.History;

/// <summary>
/// The Redis Function library <c>nexus</c> (docs/protocol.md section 1.1), loaded by every Nexus service at start.
/// <c>FCALL nexus_publish 0 &lt;channel&gt; &lt;payload&gt;</c> appends the payload to the one history stream of every
/// channel and publishes it, in one atomic step, with its id as the payload's first member; it returns the id.
/// </summary>
/// <remarks>
/// <para>The id is <c>&lt;epoch&gt;:&lt;ms&gt;-&lt;seq&gt;</c> (<see cref="HistoryId"/>). <c>seq</c> is dense (1, 2, 3, ...) so
/// that a gap is visible to whoever sees two ids; <c>ms-seq</c> is also the stream entry's id, so the stream is ordered
/// by it and can be trimmed by time; the epoch is made when the history starts, so an id from before Redis lost its
/// data can never be taken for one of the new history.</para>
/// <para>The function touches keys it does not declare (the stream and its meta hash): Nexus runs on one Redis, not a
/// cluster, and the protocol fixes the call as <c>FCALL nexus_publish 0 ...</c>.</para>
/// </remarks>
public static class HistoryLibrary
{
    /// <summary>The function of the durable publish.</summary>
    public const string PublishFunction = "nexus_publish";

    /// <summary>
    /// The durable publish of an agent session's events: <c>FCALL nexus_publish_fenced 1 &lt;lease key&gt; &lt;channel&gt;
    /// &lt;payload&gt; &lt;fence&gt;</c> publishes as <see cref="PublishFunction"/> does only while the session's lease (a hash
    /// whose field <c>fence</c> is the fencing number) holds that number, and returns nil otherwise, publishing nothing:
    /// a runner that lost the session's lease can no longer speak for it (issue 13, fencing).
    /// </summary>
    public const string PublishFencedFunction = "nexus_publish_fenced";

    /// <summary>Bumped whenever <see cref="Source"/> changes; <c>FUNCTION LOAD REPLACE</c> makes the newest loader win.</summary>
    public const int Version = 2;

    public static string Source { get; } = $$"""
        #!lua name=nexus

        -- Version {{Version}}. docs/protocol.md section 1.1; HistoryLibrary.cs explains the id.
        local stream = '{{RedisHistoryKeys.Stream}}'
        local meta = '{{RedisHistoryKeys.Meta}}'

        local function publish(keys, args)
          local channel, payload = args[1], args[2]
          if channel == nil or channel == '' or payload == nil then
            return redis.error_reply('ERR nexus_publish takes a channel and a payload')
          end
          local open = string.find(payload, '%S')
          if open == nil or string.sub(payload, open, open) ~= '{' then
            return redis.error_reply('ERR nexus_publish: the payload must be a JSON object')
          end

          local time = redis.call('TIME')
          local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
          local m = redis.call('HMGET', meta, 'epoch', 'ms', 'window', 'max')
          local epoch = m[1]
          if not epoch then
            epoch = time[1] .. string.format('%06d', tonumber(time[2]))
            redis.call('HSET', meta, 'epoch', epoch)
          end
          local window = tonumber(m[3] or '{{HistoryOptions.DefaultWindowMs}}')
          local max = tonumber(m[4] or '{{HistoryOptions.DefaultMaxEntries}}')

          -- ms never goes back (a clock step must not make an id smaller than the last), seq is dense.
          local ms = math.max(now, tonumber(m[2] or '0'))
          local seq = redis.call('HINCRBY', meta, 'seq', 1)
          redis.call('HSET', meta, 'ms', ms)
          local entry = ms .. '-' .. seq
          redis.call('XADD', stream, 'MAXLEN', max, entry, 'c', channel, 'p', payload)
          redis.call('XTRIM', stream, 'MINID', (now - window) .. '-0')

          local id = epoch .. ':' .. entry
          local rest = string.sub(payload, open + 1)
          local comma = ','
          if string.find(rest, '^%s*}') then comma = '' end
          redis.call('PUBLISH', '{{Channels.RedisPrefix}}' .. channel, '{"id":"' .. id .. '"' .. comma .. rest)
          return id
        end

        -- KEYS[1]: the session's lease hash; ARGV: channel, payload, fence. nil when the lease holds another number.
        local function publish_fenced(keys, args)
          if keys[1] == nil or redis.call('HGET', keys[1], 'fence') ~= args[3] then
            return false
          end
          return publish(keys, args)
        end

        redis.register_function('{{PublishFunction}}', publish)
        redis.register_function('{{PublishFencedFunction}}', publish_fenced)
        """;
}
