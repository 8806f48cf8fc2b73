namespace MerCluster.Vision.Tests;

public class FaceModelTests
{
    [Fact]
    public void The_portrait_has_68_landmarks_inside_the_face_box()
    {
        var face = Shared.FaceModel.Detect(Shared.Portrait);
        Assert.Equal(68, face.Landmarks.Length);
        Assert.True(face.Box.Width > 60 && face.Box.Height > 60, $"box {face.Box}");
        // dlib's box is tight: the chin and the outer jaw points may sit a few pixels outside it.
        var box = face.Box;
        box.Inflate(0.1f * box.Width, 0.1f * box.Height);
        foreach (var point in face.Landmarks)
            Assert.True(box.Contains(point), $"landmark {point} outside {box}");
        Assert.True(face.RightInnerEyeCorner.X < face.LeftInnerEyeCorner.X);
    }

    [Fact]
    public void A_small_face_is_found_by_the_upsampled_retry()
    {
        // The portrait's face is 88 px wide; at 300/512 it is about 52 px, below the HOG detector's 80 px window.
        var small = Resize.Nearest(Shared.Portrait, 300, 300);
        var full = Shared.FaceModel.Detect(Shared.Portrait).Landmarks[30];
        var face = Shared.FaceModel.Detect(small, "small portrait");
        Assert.InRange(face.Landmarks[30].X, full.X * 300 / 512 - 3, full.X * 300 / 512 + 3);
    }

    [Fact]
    public void A_blank_image_is_a_no_face_error_naming_its_source()
    {
        var blank = new Image(200, 200, 3);
        var error = Assert.Throws<VisionException>(() => Shared.FaceModel.Detect(blank, "casme2/sub01/EP02_01f/img1.jpg"));
        Assert.Equal(VisionStatus.NoFace, error.Status);
        Assert.Contains("casme2/sub01/EP02_01f/img1.jpg", error.Message);
    }

    [Fact]
    public void Concurrent_detections_on_one_model_agree()
    {
        var expected = Shared.FaceModel.Detect(Shared.Portrait).Landmarks;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            Assert.Equal(expected, Shared.FaceModel.Detect(Shared.Portrait).Landmarks));
    }

    [Fact]
    public void A_missing_landmark_model_is_an_IO_error_naming_the_file()
    {
        var path = Path.Combine(Shared.TempDirectory(), "shape_predictor.dat");
        var error = Assert.Throws<VisionException>(() => FaceModel.Load(path));
        Assert.Equal(VisionStatus.Io, error.Status);
        Assert.Contains(path, error.Message);
    }
}
