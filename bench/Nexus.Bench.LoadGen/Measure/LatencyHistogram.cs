using System.Numerics;

namespace Nexus.Bench.LoadGen.Measure;

/// <summary>
/// Log-linear histogram of microseconds (1024 sub-buckets per power of two, about 0.1 % precision),
/// one per receiving thread so recording takes no lock; merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 10;
    private const int SubCount = 1 << SubBits;
    private const int BucketCount = (40 - SubBits + 2) * SubCount;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        _counts[Index(micros)]++;
        Count++;
        if (micros > Max)
        {
            Max = micros;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The value at or below which <paramref name="quantile"/> of the samples lie.</summary>
    public long ValueAt(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(quantile * Count);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank && _counts[i] > 0)
            {
                return Math.Min(ValueOf(i), Max);
            }
        }

        return Max;
    }

    private static int Index(long value)
    {
        var msb = 63 - BitOperations.LeadingZeroCount((ulong)value | 1);
        var shift = Math.Max(0, msb - SubBits);
        var index = (shift * SubCount) + (int)(value >> shift);
        return Math.Min(index, BucketCount - 1);
    }

    private static long ValueOf(int index)
    {
        var shift = index < 2 * SubCount ? 0 : (index / SubCount) - 1;
        return (long)(index - (shift * SubCount)) << shift;
    }
}
