using MerCluster.Core;
using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Clips;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Tests;

public class MaxFlowApexTests(VisionFixture vision) : IClassFixture<VisionFixture>, IDisposable
{
    /// <summary>How far right frame k is moved: the motion peaks at position 3, while the middle of the 9 frames is 4.</summary>
    private static readonly float[] Shifts = [0f, 1f, 2f, 4f, 2f, 1.5f, 1f, 0.5f, 0.2f];
    private const int PeakPosition = 3;
    private const int MiddlePosition = 4;

    private static readonly PipelineOptions MaxFlow = new()
    {
        Name = "test-max-flow",
        Outputs = [PipelineOutput.FlowImage],
        Alignment = new AlignmentOptions { Size = 112 },
        Flow = new FlowOptions { Method = FlowMethod.Farneback },
        FlowImage = new OutputSizeOptions { Size = 32 },
        SmicApex = SmicApex.MaxFlow,
    };

    private readonly TempDirectory _dir = new();

    /// <summary>The rising and falling clip with the apex where the SMIC loader puts it: the middle frame.</summary>
    private Clip Load(string database)
    {
        var folder = Path.Combine(_dir.Path, "frames");
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            var face = vision.Clip.Portrait;
            for (var k = 0; k < Shifts.Length; k++)
                Warp.Remap(face, FlowField.Uniform(face.Height, face.Width, -Shifts[k], 0)).Write(Path.Combine(folder, $"image{k + 1}.png"));
        }
        return FrameFolder.Load(folder, 1, 1 + MiddlePosition, name: "s1_po_01") with { Database = database };
    }

    private ClipFeatures Plan(PipelineOptions options, string database, string? cacheDirectory = null)
        => new Preprocessor(options, FeatureCache.OnDisk(cacheDirectory ?? Path.Combine(_dir.Path, "cache")), vision.Faces).Plan(Load(database));

    [Fact]
    public void Max_flow_takes_the_smic_frame_of_largest_mean_flow_from_the_onset_not_the_middle_one()
    {
        var peak = Plan(MaxFlow, DatabaseIds.Smic);
        var middle = Plan(MaxFlow with { SmicApex = SmicApex.Middle }, DatabaseIds.Smic);
        Assert.Equal(PeakPosition, peak.ApexPosition);
        Assert.Equal(MiddlePosition, middle.ApexPosition);
        Assert.NotEqual(middle.AlignedApex.Key, peak.AlignedApex.Key);
        Assert.NotEqual(middle.Flow.Key, peak.Flow.Key);
    }

    [Fact]
    public void Middle_is_the_default_and_other_databases_keep_their_annotated_apex_under_max_flow()
    {
        Assert.Equal(SmicApex.Middle, new PipelineOptions().SmicApex);
        Assert.Equal(MiddlePosition, Plan(MaxFlow with { SmicApex = default }, DatabaseIds.Smic).ApexPosition);
        Assert.Equal(MiddlePosition, Plan(MaxFlow, DatabaseIds.Casme2).ApexPosition);
        Assert.Equal(MiddlePosition, Plan(MaxFlow, DatabaseIds.Samm).ApexPosition);
    }

    [Fact]
    public void The_found_apex_is_cached_so_a_second_plan_computes_no_flow()
    {
        var cache = Path.Combine(_dir.Path, "shared-cache");
        Plan(MaxFlow, DatabaseIds.Smic, cache);
        var preprocessor = new Preprocessor(MaxFlow, FeatureCache.OnDisk(cache), vision.Faces);
        Assert.Equal(PeakPosition, preprocessor.Plan(Load(DatabaseIds.Smic)).ApexPosition);
        Assert.Equal(0, preprocessor.Cache.Stats.Misses);
        Assert.Equal(1, preprocessor.Cache.Stats.Hits);
    }

    public void Dispose() => _dir.Dispose();
}
