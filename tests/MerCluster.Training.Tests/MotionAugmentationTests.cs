using MerCluster.Core.Arrays;
using MerCluster.Core.Features;

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
}
