using MerCluster.Core;
using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Clips;
using MerCluster.Pipeline.Steps;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Tests;

public class PreprocessorTests(VisionFixture vision) : IClassFixture<VisionFixture>
{
    private static readonly PipelineOptions Quick = new()
    {
        Name = "test-quick",
        Outputs = Enum.GetValues<PipelineOutput>(),
        Alignment = new AlignmentOptions { Size = 112 },
        Flow = new FlowOptions { Method = FlowMethod.Farneback },
        FlowImage = new OutputSizeOptions { Size = 64 },
        DynamicImage = new OutputSizeOptions { Size = 64 },
        ApexGray = new ApexGrayOptions { Size = 64 },
        AuRegions = new OutputSizeOptions { Size = 30 },
        Frames = new FramesOptions { Count = 2 },
    };

    private Preprocessor NewPreprocessor(PipelineOptions options, string cacheDirectory)
        => new(options, FeatureCache.OnDisk(cacheDirectory), vision.Faces);

    [Fact]
    public void Every_output_has_its_documented_shape()
    {
        using var cache = new TempDirectory();
        var features = NewPreprocessor(Quick, cache.Path).Plan(vision.Clip.Load());
        int[] Shape(PipelineOutput output) => features.Compute(output).Shape;
        Assert.Equal([3, 28, 28], Shape(PipelineOutput.FlowUvs));
        Assert.Equal([3, 64, 64], Shape(PipelineOutput.FlowImage));
        Assert.Equal([3, 64, 64], Shape(PipelineOutput.DynamicImage));
        Assert.Equal([1, 64, 64], Shape(PipelineOutput.ApexGray));
        Assert.Equal([27, 30, 30], Shape(PipelineOutput.AuRegions));
        Assert.Equal([3, 112, 112], Shape(PipelineOutput.Onset));
        Assert.Equal([3, 112, 112], Shape(PipelineOutput.Apex));
        Assert.Equal([1, 9, 4], Shape(PipelineOutput.AuBoxes));
        Assert.Equal([6, 112, 112], Shape(PipelineOutput.ApexNeighbours));
        Assert.Equal([3 * 2, 112, 112], Shape(PipelineOutput.Frames));
        Assert.All(features.Outputs.Values, f => Assert.True(File.Exists(features.Graph.Locate(f))));
        var apexGray = features.Compute(PipelineOutput.ApexGray).Data;
        Assert.InRange(apexGray.Min(), 0f, 1f);
        Assert.InRange(apexGray.Max(), 0f, 1f);
    }

    [Fact]
    public void A_second_run_over_a_clip_reads_every_output_from_the_cache()
    {
        using var cache = new TempDirectory();
        var first = NewPreprocessor(Quick, cache.Path);
        var values = first.Plan(vision.Clip.Load()).Outputs.ToDictionary(o => o.Key, o => o.Value.Value);
        var second = NewPreprocessor(Quick, cache.Path);
        var again = second.Plan(vision.Clip.Load());
        foreach (var (output, value) in values)
            Assert.Equal(value.Data, again.Compute(output).Data);
        Assert.Equal(0, second.Cache.Stats.Misses);
        Assert.Equal(values.Count, second.Cache.Stats.Hits);
    }

    [Fact]
    public void Two_pipelines_with_the_same_flow_settings_share_the_flow()
    {
        using var cache = new TempDirectory();
        var uvs = NewPreprocessor(Quick with { Outputs = [PipelineOutput.FlowUvs] }, cache.Path).Plan(vision.Clip.Load());
        var image = NewPreprocessor(Quick with { Name = "other", Outputs = [PipelineOutput.FlowImage] }, cache.Path);
        Assert.Equal(uvs.Flow.Key, image.Plan(vision.Clip.Load()).Flow.Key);
        uvs.Compute(PipelineOutput.FlowUvs);
        image.Plan(vision.Clip.Load()).Compute(PipelineOutput.FlowImage);
        Assert.Equal(1, image.Cache.Stats.Hits);
        Assert.Equal(1, image.Cache.Stats.Misses);
    }

    [Fact]
    public void TvL1_flow_on_the_aligned_face_recovers_the_clips_translation()
    {
        using var cache = new TempDirectory();
        var ststnet = PipelineOptions.Load("ststnet");
        var options = ststnet with { FlowUvs = ststnet.FlowUvs with { Scale = FlowUvsScale.Pixels } };
        var features = NewPreprocessor(options, cache.Path).Plan(vision.Clip.Load());
        var face = Tensors.ToFace(features.Face.Value);
        var aligned = Tensors.ToPoints(features.AlignedLandmarks.Value);
        static double Distance(System.Drawing.PointF a, System.Drawing.PointF b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));
        // Alignment scales by the eye-corner distance and rotates the eye line level, so a horizontal shift of the
        // frame is a shift of shift * scale along the eye line's angle -theta in the aligned face.
        var (right, left) = (face.Landmarks[39], face.Landmarks[42]);
        var scale = Distance(aligned[39], aligned[42]) / Distance(right, left);
        var theta = Math.Atan2(left.Y - right.Y, left.X - right.X);
        var shift = AstronautClip.PixelsPerFrame * (AstronautClip.ApexNumber - AstronautClip.OnsetNumber) * scale;
        var (expectedU, expectedV) = (shift * Math.Cos(theta), -shift * Math.Sin(theta));

        var flow = Tensors.ToFlow(features.Flow.Value);
        double sumU = 0, sumV = 0;
        var n = 0;
        for (var y = 56; y < 168; y++)
            for (var x = 56; x < 168; x++, n++)
                (sumU, sumV) = (sumU + flow.U(y, x), sumV + flow.V(y, x));
        Assert.InRange(sumU / n, expectedU - 0.1, expectedU + 0.1);
        Assert.InRange(sumV / n, expectedV - 0.1, expectedV + 0.1);

        var uvs = features.Compute(PipelineOutput.FlowUvs);
        Assert.Equal([3, 28, 28], uvs.Shape);
        var centreStrain = uvs.Data.Skip(2 * 28 * 28).Chunk(28).Skip(8).Take(12).SelectMany(row => row.Skip(8).Take(12)).Average();
        Assert.InRange(centreStrain, 0, 0.05);
    }

    [Fact]
    public void STSTNets_flow_uvs_are_the_pixel_values_min_max_scaled_per_channel_to_0_to_255_under_a_key_of_their_own()
    {
        using var cache = new TempDirectory();
        var ststnet = PipelineOptions.Load("ststnet") with { Flow = new FlowOptions { Method = FlowMethod.Farneback }, Alignment = new AlignmentOptions { Size = 112 } };
        Assert.Equal(FlowUvsScale.MinMax, ststnet.FlowUvs.Scale);
        var scaled = NewPreprocessor(ststnet, cache.Path).Plan(vision.Clip.Load());
        var pixels = NewPreprocessor(ststnet with { FlowUvs = ststnet.FlowUvs with { Scale = FlowUvsScale.Pixels } }, cache.Path).Plan(vision.Clip.Load());

        Assert.NotEqual(pixels.Outputs[PipelineOutput.FlowUvs].Key, scaled.Outputs[PipelineOutput.FlowUvs].Key);
        // The pixel values keep the key they had before the scale option existed, so their cached values still serve.
        Assert.Equal(FeatureKey.For("flow_uvs", 1, new OutputSizeOptions { Size = 28 }, [pixels.Flow.Key]), pixels.Outputs[PipelineOutput.FlowUvs].Key);

        var (raw, value) = (pixels.Compute(PipelineOutput.FlowUvs), scaled.Compute(PipelineOutput.FlowUvs));
        Assert.Equal(raw.Shape, value.Shape);
        const int plane = 28 * 28;
        for (var c = 0; c < 3; c++)
        {
            var (source, target) = (raw.Data.Skip(c * plane).Take(plane).ToArray(), value.Data.Skip(c * plane).Take(plane).ToArray());
            Assert.Equal(0f, target.Min());
            Assert.Equal(255f, target.Max(), 3);
            var (min, max) = (source.Min(), source.Max());
            for (var p = 0; p < plane; p += 97)
                Assert.Equal((source[p] - min) / (max - min) * 255f, target[p], 2);
        }
    }

    [Fact]
    public void Magnification_feeds_the_flow_and_changes_its_key()
    {
        using var cache = new TempDirectory();
        var plain = NewPreprocessor(Quick with { Outputs = [PipelineOutput.FlowUvs] }, cache.Path).Plan(vision.Clip.Load());
        var magnified = NewPreprocessor(Quick with { Outputs = [PipelineOutput.FlowUvs], Magnification = new MagnificationOptions { Alpha = 5 } }, cache.Path)
            .Plan(vision.Clip.Load());
        Assert.NotEqual(plain.Flow.Key, magnified.Flow.Key);
        var u0 = MeanU(plain);
        var u1 = MeanU(magnified);
        Assert.NotEqual(u0, u1);
    }

    [Fact]
    public void A_clip_is_magnified_at_its_databases_frame_rate_and_the_pipelines_only_when_its_database_has_none()
    {
        using var cache = new TempDirectory();
        var magnifying = NewPreprocessor(Quick with { Outputs = [PipelineOutput.FlowUvs], Magnification = new MagnificationOptions { Alpha = 5 } }, cache.Path);
        var smic = magnifying.Plan(vision.Clip.Load() with { Database = DatabaseIds.Smic });
        var casme2 = magnifying.Plan(vision.Clip.Load() with { Database = DatabaseIds.Casme2 });
        var samm = magnifying.Plan(vision.Clip.Load() with { Database = DatabaseIds.Samm });
        Assert.Equal(100, smic.FrameRate);
        Assert.Equal(200, casme2.FrameRate);
        Assert.Equal(200, samm.FrameRate);
        Assert.NotEqual(smic.Flow.Key, casme2.Flow.Key);
        Assert.Equal(samm.Flow.Key, casme2.Flow.Key);

        // The same frames magnified as the pipeline's frame_rate says: 100 fps is SMIC's key, 200 fps CASME II's.
        var at100 = NewPreprocessor(magnifying.Options with { FrameRate = 100 }, cache.Path).Plan(vision.Clip.Load());
        var at200 = NewPreprocessor(magnifying.Options with { FrameRate = 200 }, cache.Path).Plan(vision.Clip.Load());
        Assert.Equal((100, smic.Flow.Key), (at100.FrameRate, at100.Flow.Key));
        Assert.Equal((200, casme2.Flow.Key), (at200.FrameRate, at200.Flow.Key));
        Assert.Equal(casme2.Flow.Key, NewPreprocessor(magnifying.Options with { FrameRate = 100 }, cache.Path).Plan(vision.Clip.Load() with { Database = DatabaseIds.Casme2 }).Flow.Key);
    }

    private static double MeanU(ClipFeatures features)
    {
        var flow = features.Flow.Value.Data;
        double sum = 0;
        for (var i = 0; i < flow.Length; i += 2)
            sum += flow[i];
        return sum / (flow.Length / 2);
    }

    [Fact]
    public void An_unreadable_frame_is_an_error_naming_the_clip_and_the_file()
    {
        using var cache = new TempDirectory();
        var folder = vision.Clip.CopyFrames("unreadable");
        var broken = Path.Combine(folder, "img4.png");
        File.WriteAllText(broken, "not a png");
        var features = NewPreprocessor(Quick, cache.Path).Plan(FrameFolder.Load(folder, 1, 4, name: "casme2/sub01/EP01"));
        var error = Assert.Throws<PreprocessingException>(() => features.Compute(PipelineOutput.FlowUvs));
        Assert.Equal("casme2/sub01/EP01", error.Clip);
        Assert.Contains(broken, error.Message);
    }

    [Fact]
    public void A_clip_without_a_face_is_an_error_naming_the_onset_file()
    {
        using var cache = new TempDirectory();
        var folder = vision.Clip.CopyFrames("noface");
        var onset = Path.Combine(folder, "img1.png");
        new Image(200, 200, 3, Enumerable.Repeat((byte)128, 200 * 200 * 3).ToArray()).Write(onset);
        var features = NewPreprocessor(Quick, cache.Path).Plan(FrameFolder.Load(folder, 1, 4));
        var error = Assert.Throws<PreprocessingException>(() => features.Compute(PipelineOutput.Apex));
        Assert.Contains(onset, error.Message);
        Assert.Equal(VisionStatus.NoFace, Assert.IsType<VisionException>(error.InnerException).Status);
    }

    [Fact]
    public void Frames_of_different_sizes_are_an_error_naming_the_odd_file()
    {
        using var cache = new TempDirectory();
        var folder = vision.Clip.CopyFrames("sizes");
        var odd = Path.Combine(folder, "img5.png");
        vision.Clip.Portrait.Resized(256, 256).Write(odd);
        var features = NewPreprocessor(Quick with { Outputs = [PipelineOutput.DynamicImage] }, cache.Path).Plan(FrameFolder.Load(folder, 1, 4));
        var error = Assert.Throws<PreprocessingException>(() => features.Compute(PipelineOutput.DynamicImage));
        Assert.Contains(odd, error.Message);
    }

    [Fact]
    public void A_missing_frame_file_is_an_error_naming_it_before_anything_is_computed()
    {
        var folder = vision.Clip.CopyFrames("gap");
        File.Delete(Path.Combine(folder, "img3.png"));
        var error = Assert.Throws<PreprocessingException>(() => FrameFolder.Load(folder, 1, 4));
        Assert.Contains(Path.Combine(folder, "img3.png"), error.Message);
    }

    [Fact]
    public void A_failing_clip_is_reported_and_the_other_clips_are_still_written()
    {
        using var cache = new TempDirectory();
        using var output = new TempDirectory();
        var broken = vision.Clip.CopyFrames("broken");
        File.WriteAllText(Path.Combine(broken, "img4.png"), "not a png");
        ClipJob Job(string name, string folder) => new(name, () => FrameFolder.Load(folder, 1, 4, name: name));
        var outcomes = ClipExport.Run(NewPreprocessor(Quick with { Outputs = [PipelineOutput.FlowUvs, PipelineOutput.DynamicImage] }, cache.Path),
            [Job("first", vision.Clip.FramesDirectory), Job("broken", broken), Job("missing", "/nonexistent/clip"), Job("last", vision.Clip.FramesDirectory)],
            output.Path);
        Assert.Equal(["first", "broken", "missing", "last"], outcomes.Select(o => o.Name));
        Assert.Null(outcomes[0].Error);
        Assert.Contains(Path.Combine(broken, "img4.png"), outcomes[1].Error!.Message);
        Assert.Contains("/nonexistent/clip", outcomes[2].Error!.Message);
        Assert.Null(outcomes[3].Error);
        var folder = Path.Combine(output.Path, "last");
        Assert.Equal(outcomes[3].Folder, folder);
        Assert.Equal([3, 28, 28], Core.Arrays.Npy.Read<float>(Path.Combine(folder, "flow_uvs.npy")).Shape);
        foreach (var preview in new[] { "aligned_onset_landmarks", "aligned_apex", "flow", "strain", "dynamic_image" })
            Assert.True(Image.Read(Path.Combine(folder, "previews", preview + ".png")).Width > 0, preview);
    }
}
