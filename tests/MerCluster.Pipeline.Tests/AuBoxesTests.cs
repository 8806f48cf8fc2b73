using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Steps;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Tests;

public class AuBoxesTests(VisionFixture vision) : IClassFixture<VisionFixture>
{
    private const int Side = 96;

    private static readonly PipelineOptions Boxes = new()
    {
        Name = "test-au-boxes",
        Outputs = [PipelineOutput.AuBoxes],
        Alignment = new AlignmentOptions { Size = Side },
        Flow = new FlowOptions { Method = FlowMethod.Farneback },
    };

    private ClipFeatures Plan(string cacheDirectory) =>
        new Preprocessor(Boxes, FeatureCache.OnDisk(cacheDirectory), vision.Faces).Plan(vision.Clip.Load());

    [Fact]
    public void Au_boxes_are_the_vision_cores_boxes_of_the_aligned_landmarks_as_fractions_of_the_face()
    {
        using var cache = new TempDirectory();
        var features = Plan(cache.Path);
        var boxes = features.Compute(PipelineOutput.AuBoxes);
        Assert.Equal([1, 9, 4], boxes.Shape);

        var landmarks = Tensors.ToPoints(features.AlignedLandmarks.Value);
        var expected = AuRegions.Boxes(landmarks).SelectMany(b => new[] { b.X / Side, b.Y / Side, b.Width / Side, b.Height / Side });
        Assert.Equal(expected, boxes.Data);
        for (var r = 0; r < 9; r++)
        {
            var (x, y, w, h) = (boxes.Data[4 * r], boxes.Data[4 * r + 1], boxes.Data[4 * r + 2], boxes.Data[4 * r + 3]);
            Assert.InRange(w, 0.1f, 0.6f);
            Assert.InRange(h, 0.1f, 0.6f);
            Assert.InRange(x, -0.1f, 1f - w + 0.1f);
            Assert.InRange(y, -0.1f, 1f - h + 0.1f);
        }
        // The eye boxes (3, 4) hold their eye's landmarks; the brow boxes (0, 1) lie left and right of each other.
        bool Holds(int r, int landmark)
        {
            var (px, py) = (landmarks[landmark].X / Side, landmarks[landmark].Y / Side);
            return px >= boxes.Data[4 * r] && px <= boxes.Data[4 * r] + boxes.Data[4 * r + 2]
                && py >= boxes.Data[4 * r + 1] && py <= boxes.Data[4 * r + 1] + boxes.Data[4 * r + 3];
        }
        Assert.All(Enumerable.Range(36, 6), i => Assert.True(Holds(3, i), $"landmark {i} outside the left eye box"));
        Assert.All(Enumerable.Range(42, 6), i => Assert.True(Holds(4, i), $"landmark {i} outside the right eye box"));
        Assert.True(boxes.Data[0] + boxes.Data[2] <= boxes.Data[4] + 0.05f);
    }

    [Fact]
    public void The_au_boxes_preview_outlines_each_box_on_the_aligned_apex()
    {
        using var cache = new TempDirectory();
        using var previews = new TempDirectory();
        var features = Plan(cache.Path);
        var written = Previews.Write(features, previews.Path);
        var path = Assert.Single(written, p => Path.GetFileName(p) == "au_boxes.png");
        var image = Image.Read(path, ImageColor.Bgr);
        var boxes = features.Compute(PipelineOutput.AuBoxes).Data;
        // The nose box's top-left corner is pure red (BGR 0, 0, 255).
        var (x, y) = ((int)MathF.Round(boxes[20] * Side), (int)MathF.Round(boxes[21] * Side));
        var pixel = (y * image.Width + x) * 3;
        Assert.Equal(new byte[] { 0, 0, 255 }, image.Data[pixel..(pixel + 3)]);
    }
}
