using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Steps;

namespace MerCluster.Pipeline.Tests;

public class ClipFramesTests(VisionFixture vision) : IClassFixture<VisionFixture>
{
    private const int Side = 64;
    private const int ApexPosition = AstronautClip.ApexNumber - AstronautClip.OnsetNumber;

    private static PipelineOptions Frames(int count) => new()
    {
        Name = "test-frames",
        Outputs = [PipelineOutput.Frames, PipelineOutput.ApexNeighbours],
        Alignment = new AlignmentOptions { Size = Side },
        Flow = new FlowOptions { Method = FlowMethod.Farneback },
        Frames = new FramesOptions { Count = count },
    };

    private ClipFeatures Plan(PipelineOptions options, string cacheDirectory) =>
        new Preprocessor(options, FeatureCache.OnDisk(cacheDirectory), vision.Faces).Plan(vision.Clip.Load());

    // Which of the clip's aligned onset..offset frames each 3-channel image of the output is (-1: none).
    private List<int> FramePositions(ClipFeatures features, float[] images)
    {
        var frames = vision.Clip.Load().Span.Select(FrameFile.At).ToList();
        var aligned = AlignStep.Span(features.Face, frames, new AlignmentOptions { Size = Side })
            .Select(image => Tensors.ToChannelsFirst(image).Data).ToList();
        var plane = 3 * Side * Side;
        return Enumerable.Range(0, images.Length / plane)
            .Select(i => aligned.FindIndex(frame => frame.AsSpan().SequenceEqual(images.AsSpan(i * plane, plane)))).ToList();
    }

    [Fact]
    public void The_frames_are_aligned_frames_spread_from_onset_to_offset_and_the_apex_neighbours_flank_the_apex()
    {
        using var cache = new TempDirectory();
        var features = Plan(Frames(4), cache.Path);
        var frames = features.Compute(PipelineOutput.Frames);
        Assert.Equal([12, Side, Side], frames.Shape);
        var last = AstronautClip.Frames - AstronautClip.OnsetNumber;
        Assert.Equal(FramesStep.Positions(last + 1, 4), FramePositions(features, frames.Data));
        Assert.Equal([0, 2, 3, 5], FramesStep.Positions(6, 4));
        var neighbours = features.Compute(PipelineOutput.ApexNeighbours);
        Assert.Equal([6, Side, Side], neighbours.Shape);
        Assert.Equal([ApexPosition - 1, ApexPosition + 1], FramePositions(features, neighbours.Data));

        using var again = new TempDirectory();
        Assert.Equal(frames.Data, Plan(Frames(4), again.Path).Compute(PipelineOutput.Frames).Data);
    }

    [Fact]
    public void A_clip_shorter_than_the_frame_count_repeats_frames_in_order()
    {
        Assert.Equal([0, 0, 1, 2, 2], FramesStep.Positions(3, 5));
        Assert.Equal([0], FramesStep.Positions(1, 1));
        Assert.Equal([0, 0, 0], FramesStep.Positions(1, 3));
    }

    [Fact]
    public void The_jittered_apex_stays_inside_onset_to_offset()
    {
        for (var frames = 1; frames <= 6; frames++)
            for (var apex = 0; apex < frames; apex++)
            {
                var (before, after) = ApexNeighboursStep.Positions(apex, frames);
                Assert.InRange(before, 0, frames - 1);
                Assert.InRange(after, 0, frames - 1);
                Assert.Equal(apex == 0 ? 0 : apex - 1, before);
                Assert.Equal(apex == frames - 1 ? apex : apex + 1, after);
            }
    }

    [Fact]
    public void The_frames_preview_tiles_every_frame()
    {
        using var cache = new TempDirectory();
        using var previews = new TempDirectory();
        var features = Plan(Frames(4), cache.Path);
        var path = Assert.Single(Previews.Write(features, previews.Path), p => Path.GetFileName(p) == "frames.png");
        var image = Vision.Image.Read(path, Vision.ImageColor.Bgr);
        // 4 frames, 3 to a row.
        Assert.Equal((2 * Side, 3 * Side), (image.Height, image.Width));
        var first = Tensors.FromChannelsFirst(features.Compute(PipelineOutput.Frames), 0, 3);
        for (var y = 0; y < Side; y++)
            Assert.Equal(first.Data.AsSpan(y * Side * 3, Side * 3).ToArray(), image.Data.AsSpan(y * image.Width * 3, Side * 3).ToArray());
    }
}
