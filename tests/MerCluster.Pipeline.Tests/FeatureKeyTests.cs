using System.Globalization;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Pipeline.Tests;

public class FeatureKeyTests
{
    private static readonly FeatureKey Frame = FeatureKey.OfBytes([1, 2, 3]);
    private static readonly FeatureKey OtherFrame = FeatureKey.OfBytes([4, 5, 6]);

    [Fact]
    public void Parameter_order_culture_and_number_spelling_do_not_change_the_key()
    {
        var a = FeatureKey.For("strain", 1, new Dictionary<string, object> { ["size"] = 28, ["alpha"] = 0.5, ["scale"] = 2.0 }, [Frame]);
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var b = FeatureKey.For("strain", 1, new Dictionary<string, object> { ["scale"] = 2, ["alpha"] = 0.5f, ["size"] = 28L }, [Frame]);
            Assert.Equal(a, b);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Each_part_of_the_key_changes_it()
    {
        var key = FeatureKey.For("flow", 1, new { method = "tvl1" }, [Frame, OtherFrame]);
        Assert.NotEqual(key, FeatureKey.For("strain", 1, new { method = "tvl1" }, [Frame, OtherFrame]));
        Assert.NotEqual(key, FeatureKey.For("flow", 2, new { method = "tvl1" }, [Frame, OtherFrame]));
        Assert.NotEqual(key, FeatureKey.For("flow", 1, new { method = "farneback" }, [Frame, OtherFrame]));
        Assert.NotEqual(key, FeatureKey.For("flow", 1, new { method = "tvl1" }, [OtherFrame, Frame]));
        Assert.Equal(key, FeatureKey.For("flow", 1, new { method = "tvl1" }, [Frame, OtherFrame]));
    }

    [Fact]
    public void A_file_key_is_the_sha256_of_its_bytes()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [1, 2, 3]);
            Assert.Equal(Frame, FeatureKey.OfFile(path));
            Assert.Equal("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", Frame.Hex);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parse_accepts_only_64_lower_case_hex_digits()
    {
        Assert.Equal(Frame, FeatureKey.Parse(Frame.Hex));
        Assert.Throws<FormatException>(() => FeatureKey.Parse("abc"));
        Assert.Throws<FormatException>(() => FeatureKey.Parse(Frame.Hex.ToUpperInvariant()));
    }

    [Fact]
    public void Enum_parameters_enter_the_key_by_name()
    {
        Assert.Equal("{\"method\":\"Farneback\",\"x\":0.1}", CanonicalJson.Serialize(new { x = 0.1f, method = DayOfWeekLike.Farneback }));
    }

    private enum DayOfWeekLike { TvL1, Farneback }
}
