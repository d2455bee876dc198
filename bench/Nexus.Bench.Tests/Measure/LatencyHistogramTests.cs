using Nexus.Bench.LoadGen.Measure;

namespace Nexus.Bench.Tests.Measure;

/// <summary>The log-linear histogram behind every latency figure: exact below 2,048 µs, about 0.1 % above.</summary>
public sealed class LatencyHistogramTests
{
    [Fact]
    public void Small_values_are_exact_and_quantiles_use_the_nearest_rank()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(100, histogram.Count);
        Assert.Equal(100, histogram.Max);
        Assert.Equal(50, histogram.ValueAt(0.50));
        Assert.Equal(99, histogram.ValueAt(0.99));
        Assert.Equal(100, histogram.ValueAt(1.0));
        Assert.Equal(1, histogram.ValueAt(0.0));
        Assert.Equal(1, histogram.ValueAt(0.001));
    }

    [Fact]
    public void Large_values_are_within_a_thousandth_below_the_value()
    {
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var value = (long)Math.Pow(10, 3 + (random.NextDouble() * 8)); // 1 ms .. 100,000 s
            var histogram = new LatencyHistogram();
            histogram.Record(value);
            histogram.Record(value * 4); // so that the quantile is not simply clamped to the maximum

            var reported = histogram.ValueAt(0.5);

            Assert.InRange(reported, value - (value / 1000) - 1, value);
        }
    }

    [Fact]
    public void Bucket_edges_map_back_to_themselves()
    {
        foreach (var value in new long[] { 1023, 1024, 2047, 2048, 2049, 4095, 4096, 1 << 20, (1 << 20) + 1024 })
        {
            var histogram = new LatencyHistogram();
            histogram.Record(value);
            histogram.Record(long.MaxValue / 4);

            var low = histogram.ValueAt(0.5);

            Assert.True(low <= value && value - low <= Math.Max(1, value >> 10), $"{value} reported as {low}");
        }
    }

    [Fact]
    public void A_merge_is_the_histogram_of_all_samples()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        var random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            var value = random.NextInt64(0, 5_000_000);
            (i % 3 == 0 ? a : b).Record(value);
            all.Record(value);
        }

        a.Add(b);

        Assert.Equal(all.Count, a.Count);
        Assert.Equal(all.Max, a.Max);
        foreach (var q in new[] { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0 })
        {
            Assert.Equal(all.ValueAt(q), a.ValueAt(q));
        }
    }

    [Fact]
    public void Negative_values_count_as_zero_and_an_empty_histogram_reports_zero()
    {
        var empty = new LatencyHistogram();
        var histogram = new LatencyHistogram();

        histogram.Record(-5);

        Assert.Equal(0, empty.ValueAt(0.99));
        Assert.Equal(1, histogram.Count);
        Assert.Equal(0, histogram.ValueAt(0.5));
        Assert.Equal(0, histogram.Max);
    }

    [Fact]
    public void A_value_past_the_last_bucket_is_reported_no_higher_than_the_maximum()
    {
        var histogram = new LatencyHistogram();
        const long huge = 1L << 50;

        histogram.Record(huge);

        Assert.Equal(huge, histogram.Max);
        Assert.InRange(histogram.ValueAt(0.5), 1L << 40, huge);
    }
}
