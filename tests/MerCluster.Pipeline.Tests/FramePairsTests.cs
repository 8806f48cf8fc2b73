using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Steps;

namespace MerCluster.Pipeline.Tests;

public class FramePairsTests(VisionFixture vision) : IClassFixture<VisionFixture>
{
    private const int Side = 64;

    private static PipelineOptions Pairs(int count, int seed = 0) => new()
    {
        Name = "test-frame-pairs",
        Outputs = [PipelineOutput.FramePairs],
        Alignment = new AlignmentOptions { Size = Side },
        Flow = new FlowOptions { Method = FlowMethod.Farneback },
        FramePairs = new FramePairsOptions { Count = count, Seed = seed },
    };

    private ClipFeatures Plan(PipelineOptions options, string cacheDirectory) =>
        new Preprocessor(options, FeatureCache.OnDisk(cacheDirectory), vision.Faces).Plan(vision.Clip.Load());

    // Which of the clip's aligned onset..offset frames each 3-channel image of the output is (-1: none).
    private List<int> FramePositions(ClipFeatures features, float[] pairs)
    {
        var frames = vision.Clip.Load().Span.Select(FrameFile.At).ToList();
        var aligned = AlignStep.Span(features.Face, frames, new AlignmentOptions { Size = Side })
            .Select(image => Tensors.ToChannelsFirst(image).Data).ToList();
        var plane = 3 * Side * Side;
        return Enumerable.Range(0, pairs.Length / plane)
            .Select(i => aligned.FindIndex(frame => frame.AsSpan().SequenceEqual(pairs.AsSpan(i * plane, plane)))).ToList();
    }

    [Fact]
    public void Each_pair_is_two_different_aligned_frames_of_the_clip_drawn_the_same_way_every_time()
    {
        using var cache = new TempDirectory();
        var features = Plan(Pairs(4), cache.Path);
        var value = features.Compute(PipelineOutput.FramePairs);
        Assert.Equal([24, Side, Side], value.Shape);
        var positions = FramePositions(features, value.Data);
        Assert.All(positions, p => Assert.InRange(p, 0, AstronautClip.Frames - 1));
        for (var k = 0; k < 4; k++)
            Assert.NotEqual(positions[2 * k], positions[2 * k + 1]);
        // Beyond onset and apex: the pairs come from the whole span.
        Assert.Contains(positions, p => p != 0 && p != AstronautClip.ApexNumber - AstronautClip.OnsetNumber);

        using var again = new TempDirectory();
        Assert.Equal(value.Data, Plan(Pairs(4), again.Path).Compute(PipelineOutput.FramePairs).Data);
        using var reseeded = new TempDirectory();
        Assert.NotEqual(positions, FramePositions(features, Plan(Pairs(4, seed: 7), reseeded.Path).Compute(PipelineOutput.FramePairs).Data));
    }

    [Fact]
    public void The_frame_pairs_preview_tiles_every_frame_of_every_pair()
    {
        using var cache = new TempDirectory();
        using var previews = new TempDirectory();
        var features = Plan(Pairs(2), cache.Path);
        var path = Assert.Single(Previews.Write(features, previews.Path), p => Path.GetFileName(p) == "frame_pairs.png");
        var image = Vision.Image.Read(path, Vision.ImageColor.Bgr);
        // 4 frames, 3 to a row.
        Assert.Equal((2 * Side, 3 * Side), (image.Height, image.Width));
        var first = Tensors.FromChannelsFirst(features.Compute(PipelineOutput.FramePairs), 0, 3);
        for (var y = 0; y < Side; y++)
            Assert.Equal(first.Data.AsSpan(y * Side * 3, Side * 3).ToArray(), image.Data.AsSpan(y * image.Width * 3, Side * 3).ToArray());
    }

    [Fact]
    public void Drawn_pairs_never_pair_a_frame_with_itself_unless_the_clip_has_one_frame()
    {
        for (var frames = 2; frames <= 8; frames++)
        {
            var pairs = FramePairsStep.Draw(frames, 200, seed: frames);
            Assert.All(pairs, p => Assert.NotEqual(p.First, p.Second));
            Assert.All(pairs, p => Assert.InRange(p.First, 0, frames - 1));
            Assert.All(pairs, p => Assert.InRange(p.Second, 0, frames - 1));
            Assert.Contains(pairs, p => p.First > p.Second);
            Assert.Contains(pairs, p => p.First < p.Second);
        }
        Assert.All(FramePairsStep.Draw(1, 3, seed: 1), p => Assert.Equal((0, 0), p));
    }
}
