namespace Nexus.Contracts.Publishing;

/// <summary>
/// A session's lease as the fenced publish checks it (<c>nexus_publish_fenced</c>, issue 13): the Redis key of the lease
/// hash and the fencing number its holder was given.
/// </summary>
public readonly record struct Fence(string LeaseKey, long Number);

/// <summary>
/// What became of a fenced publish: <see cref="Id"/> when Redis took it; <see cref="FencedOut"/> when the lease holds
/// another number (nothing was published); neither when Redis could not be reached in time (logged, as a plain publish).
/// </summary>
public readonly record struct FencedPublishResult(string? Id, bool FencedOut);
