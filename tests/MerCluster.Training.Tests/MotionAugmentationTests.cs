using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

/// <summary>Geometric augmentation of a flow input turns its (u, v) vectors with the image, as the motion would.</summary>
public class MotionAugmentationTests
{
    /// <summary>Negatives move right (or down), positives left (or up): a uniform flow field plus noise.</summary>
    private static FeatureSet UniformMotion(bool vertical)
    {
        const int n = 24, size = 28;
        var random = new Random(5);
        var data = new float[n * 3 * size * size];
        var samples = new List<FeatureSample>();
        for (var i = 0; i < n; i++)
        {
            var label = i % 2;
            var subject = $"casme2/sub{i / 6 + 1:00}";
            samples.Add(new FeatureSample($"{subject}/EP{i:000}", subject, "casme2", Synthetic.Classes[label]));
            var channel = vertical ? 1 : 0;
            for (var p = 0; p < size * size; p++)
                data[(i * 3 + channel) * size * size + p] = (label == 0 ? 1f : -1f) + 0.2f * (float)(random.NextDouble() - 0.5);
        }
        return new FeatureSet(Synthetic.Classes, samples, [KeyValuePair.Create("flow_uvs", new NdArray<float>([n, 3, size, size], data))]);
    }

    private static double TrainingAccuracy(FeatureSet set, bool flip)
    {
        using var trainer = Trainer.Create(Synthetic.Ststnet(dropout: 0),
            Synthetic.Fast(epochs: 25, batch: 8, learningRate: 3e-3) with { HorizontalFlip = flip });
        trainer.Fit(set);
        var labels = set.LabelIndices();
        return trainer.Predict(set).Select((p, i) => Array.IndexOf(p, p.Max()) == labels[i] ? 1.0 : 0.0).Average();
    }

    [Fact]
    public void A_horizontal_flip_negates_u_so_left_and_right_motion_become_indistinguishable()
    {
        var set = UniformMotion(vertical: false);
        Assert.Equal(1.0, TrainingAccuracy(set, flip: false));
        // Flipped samples show the opposite horizontal motion under the same label: nothing separates the classes.
        Assert.True(TrainingAccuracy(set, flip: true) <= 0.75);
    }

    [Fact]
    public void A_horizontal_flip_keeps_vertical_motion()
    {
        Assert.Equal(1.0, TrainingAccuracy(UniformMotion(vertical: true), flip: true));
    }

    /// <summary>A batch of min-max scaled (u, v, strain) rows as STSTNet's pipeline writes them: each channel spans 0..255, u constant (0) in the last row.</summary>
    private static Tensor MinMaxRows(int n, int size)
    {
        var random = new Random(11);
        var data = new float[n * 3 * size * size];
        for (var i = 0; i < n; i++)
            for (var c = 0; c < 3; c++)
            {
                if (i == n - 1 && c == 0)
                    continue;
                var plane = data.AsSpan((i * 3 + c) * size * size, size * size);
                for (var p = 0; p < plane.Length; p++)
                    plane[p] = (float)random.NextDouble();
                plane[random.Next(plane.Length)] = 0;
                plane[random.Next(plane.Length)] = 1;
                var (min, max) = (plane.ToArray().Min(), plane.ToArray().Max());
                for (var p = 0; p < plane.Length; p++)
                    plane[p] = (plane[p] - min) / (max - min) * 255f;
            }
        return torch.tensor(data, [n, 3, size, size]);
    }

    private static float Gap(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Fact]
    public void A_mirrored_min_max_scaled_sample_shows_the_mirrored_motion_scaled_the_same_way_and_an_unmirrored_one_is_unchanged()
    {
        const int n = 16, size = 6;
        using var x = MinMaxRows(n, size);
        var spec = new InputSpec("flow_uvs", "u, v, strain", [3, size, size], MotionChannels: true);
        using var generator = new torch.Generator(3);
        var moved = Augmentation.Apply([x], [spec], Synthetic.Fast() with { HorizontalFlip = true }, generator, [255f])[0];
        var mirrors = 0;
        for (var i = 0; i < n; i++)
        {
            var row = x[i];
            var flipped = row.flip(2);
            if (Gap(moved[i], row) < 1e-3)
                continue;
            mirrors++;
            // -u min-max scaled is 255 - (u min-max scaled); v and strain are mirrored as images; a constant u stays 0.
            var expectedU = i == n - 1 ? flipped[0] : 255f - flipped[0];
            Assert.True(Gap(moved[i][0], expectedU) < 1e-3, $"row {i}: u");
            Assert.True(Gap(moved[i].narrow(0, 1, 2), flipped.narrow(0, 1, 2)) < 1e-3, $"row {i}: v and strain");
        }
        Assert.InRange(mirrors, 2, n - 2);
    }

    [Theory]
    [InlineData(10.0, 0.0, "train.rotation_degrees")]
    [InlineData(0.0, 0.1, "train.scale_jitter")]
    public void Rotating_or_zooming_a_min_max_scaled_motion_input_stops_the_training_naming_the_key_and_the_input(double degrees, double jitter, string key)
    {
        var plain = UniformMotion(vertical: false);
        var scaled = new FeatureSet(plain.Classes, plain.Samples, plain.Inputs, minMax: new Dictionary<string, float> { ["flow_uvs"] = 255f });
        using var trainer = Trainer.Create(Synthetic.Ststnet(dropout: 0),
            Synthetic.Fast(epochs: 1) with { HorizontalFlip = true, RotationDegrees = degrees, ScaleJitter = jitter });
        var error = Assert.Throws<TrainingException>(() => trainer.Fit(scaled));
        Assert.Contains(key, error.Message);
        Assert.Contains("'flow_uvs'", error.Message);
        Assert.Contains("min-max", error.Message);
        Assert.Throws<TrainingException>(() => trainer.CheckInputs(scaled, "sweep"));
        // The same input as computed (pixels) turns with the image.
        trainer.Fit(plain);
    }
}
