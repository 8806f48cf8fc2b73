using MerCluster.Core.Arrays;
using MerCluster.Pipeline.Steps;

namespace MerCluster.Pipeline.Tests;

public class MinMaxStepTests
{
    [Fact]
    public void Each_channel_is_scaled_from_its_own_min_and_max_to_0_to_255()
    {
        var value = new NdArray<float>([2, 1, 3], [-0.02f, 0f, 0.02f, 1f, 3f, 5f]);
        Assert.Equal([0f, 127.5f, 255f, 0f, 127.5f, 255f], MinMaxStep.Scale(value).Data);
    }

    [Fact]
    public void A_constant_channel_becomes_0_not_nan()
    {
        var value = new NdArray<float>([2, 1, 2], [0.3f, 0.3f, 1f, 2f]);
        Assert.Equal([0f, 0f, 0f, 255f], MinMaxStep.Scale(value).Data);
    }

    [Fact]
    public void Anything_but_channels_height_width_is_refused()
        => Assert.Throws<ArgumentException>(() => MinMaxStep.Scale(new NdArray<float>([4], new float[4])));
}
