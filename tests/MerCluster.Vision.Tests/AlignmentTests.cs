namespace MerCluster.Vision.Tests;

public class AlignmentTests
{
    private const int Size = 200; // canonical corners at whole pixels (76, 48) and (124, 48): dlib reports whole-pixel landmarks

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(9, 25, -15)]
    [InlineData(-6, -30, 20)]
    public void Alignment_puts_the_inner_eye_corners_on_their_canonical_points(double degrees, float dx, float dy)
    {
        var frame = degrees == 0 && dx == 0 && dy == 0 ? Shared.Portrait : Synthetic.RotatedPortrait(degrees, dx, dy);
        var aligned = Alignment.AlignClip([frame], Shared.FaceModel, Size);
        var (right, left) = Alignment.CanonicalEyeCorners(Size);

        Assert.True(Synthetic.Distance(aligned.Landmarks[39], right) < 1e-3);
        Assert.True(Synthetic.Distance(aligned.Landmarks[42], left) < 1e-3);
        // Independent check: the detector, run again on the aligned image, finds the corners there too
        // (dlib reports whole pixels, hence "within" 1 px).
        var redetected = Shared.FaceModel.Detect(aligned.Frames[0], "aligned frame");
        Assert.True(Synthetic.Distance(redetected.Landmarks[39], right) <= 1, $"landmark 39 at {redetected.Landmarks[39]}, canonical {right}");
        Assert.True(Synthetic.Distance(redetected.Landmarks[42], left) <= 1, $"landmark 42 at {redetected.Landmarks[42]}, canonical {left}");
    }

    [Fact]
    public void Every_frame_gets_the_first_frames_transform()
    {
        // The second frame is the first in negative: no face to re-detect, and the same warp must give the aligned negative.
        var first = Shared.Portrait;
        var negative = new Image(first.Height, first.Width, first.Channels, first.Data.Select(b => (byte)(255 - b)).ToArray(), "negative");
        var aligned = Alignment.AlignClip([first, negative], Shared.FaceModel, Size);
        Assert.All(aligned.Frames[0].Data.Zip(aligned.Frames[1].Data), pair => Assert.InRange(pair.First + pair.Second, 254, 256));
    }

    [Fact]
    public void A_frame_of_another_size_is_an_error_naming_its_file()
    {
        var odd = new Image(100, 120, 3, source: "casme2/sub01/EP02_01f/img7.jpg");
        var face = Shared.FaceModel.Detect(Shared.Portrait);
        var error = Assert.Throws<VisionException>(() => Alignment.AlignClip([Shared.Portrait, Shared.Portrait, odd], face, Size));
        Assert.Equal(VisionStatus.Argument, error.Status);
        Assert.Contains("casme2/sub01/EP02_01f/img7.jpg", error.Message);
        Assert.Contains("frame 2", error.Message);
    }

    [Fact]
    public void A_clip_whose_first_frame_has_no_face_is_an_error_naming_that_file()
    {
        var blank = new Image(200, 200, 3, source: "samm/006/006_1_2/006_05562.jpg");
        var error = Assert.Throws<VisionException>(() => Alignment.AlignClip([blank], Shared.FaceModel, Size));
        Assert.Equal(VisionStatus.NoFace, error.Status);
        Assert.Contains("samm/006/006_1_2/006_05562.jpg", error.Message);
    }

    [Fact]
    public void Eye_level_face_is_gray_256_with_a_horizontal_eye_line_and_masked_eyes()
    {
        var tilted = Synthetic.RotatedPortrait(12, 0, 0);
        var face = Shared.FaceModel.Detect(tilted);
        var result = Alignment.EyeLevel(tilted, face);

        Assert.Equal((256, 256, 1), (result.Image.Height, result.Image.Width, result.Image.Channels));
        var rightEye = Centroid(result.Landmarks, 36);
        var leftEye = Centroid(result.Landmarks, 42);
        Assert.True(Math.Abs(rightEye.Y - leftEye.Y) < 0.5, $"eye centres at {rightEye} and {leftEye}");
        Assert.Equal(0, result.Image[(int)rightEye.Y, (int)rightEye.X]);
        Assert.Equal(0, result.Image[(int)leftEye.Y, (int)leftEye.X]);
        var unmasked = Alignment.EyeLevel(tilted, face, maskEyes: false);
        Assert.NotEqual(0, unmasked.Image[(int)leftEye.Y, (int)leftEye.X]);
    }

    private static System.Drawing.PointF Centroid(System.Drawing.PointF[] points, int first) =>
        new(points.Skip(first).Take(6).Average(p => p.X), points.Skip(first).Take(6).Average(p => p.Y));
}
