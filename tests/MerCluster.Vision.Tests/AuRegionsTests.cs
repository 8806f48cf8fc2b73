namespace MerCluster.Vision.Tests;

public class AuRegionsTests
{
    [Fact]
    public void Nine_regions_sit_where_the_face_parts_are()
    {
        var face = Shared.FaceModel.Detect(Shared.Portrait);
        var boxes = AuRegions.Boxes(face.Landmarks);
        Assert.Equal(9, boxes.Length);
        Assert.Equal(AuRegions.Names.Count, boxes.Length);
        var named = AuRegions.Names.Zip(boxes).ToDictionary(p => p.First, p => p.Second);
        Assert.All(boxes, b => Assert.True(b.Width > 5 && b.Height > 5, $"box {b}"));
        Assert.True(named["brow_left"].Right <= named["brow_right"].Left + 1);
        Assert.True(named["brow_left"].Top < named["eye_left"].Top);
        Assert.True(named["eye_left"].Top < named["nose"].Bottom);
        Assert.True(named["nose"].Top < named["mouth_chin"].Top);
        Assert.True(named["mouth_corner_left"].Left < named["mouth_corner_right"].Left);
        Assert.True(named["between_brows"].Contains((face.Landmarks[21].X + face.Landmarks[22].X) / 2, face.Landmarks[21].Y));
        Assert.True(named["mouth_chin"].Contains(face.Landmarks[57]));
        Assert.True(named["eye_right"].Contains(face.Landmarks[43]));
    }

    [Fact]
    public void Each_crop_is_90x90_and_shows_its_region()
    {
        var face = Shared.FaceModel.Detect(Shared.Portrait);
        var crops = AuRegions.Crop(Shared.Portrait, face.Landmarks);
        Assert.Equal(9, crops.Length);
        Assert.All(crops, c => Assert.Equal((90, 90, 3), (c.Height, c.Width, c.Channels)));
        // The mouth-and-chin crop's centre column matches the portrait at the box centre.
        var box = AuRegions.Boxes(face.Landmarks)[8];
        var crop = crops[8];
        var expected = Shared.Portrait[(int)(box.Top + box.Height / 2), (int)(box.Left + box.Width / 2), 2];
        Assert.InRange(crop[45, 45, 2], expected - 25, expected + 25);
    }

    [Fact]
    public void Flow_crops_keep_the_vectors()
    {
        var face = Shared.FaceModel.Detect(Shared.Portrait);
        var crops = AuRegions.Crop(FlowField.Uniform(512, 512, 0.5f, -1.5f), face.Landmarks, 18);
        Assert.Equal(9, crops.Length);
        Assert.All(crops, c => Assert.All(c.Data.Chunk(2), uv => Assert.Equal([0.5f, -1.5f], uv)));
    }
}
