using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Torch;

/// <summary>
/// Geometric augmentation of a training batch (the train section's rotation_degrees, horizontal_flip, scale_jitter): one
/// random affine map per sample applied to every image input alike. Motion-vector channels turn with the image (a
/// mirrored flow field has its u negated; one min-max scaled per sample, as STSTNet's, has its u mirrored within its
/// range) and box inputs move with it, so no sample shows a motion or a region that never happened. Pixel jitter
/// (pixel_jitter_probability, pixel_jitter) then shifts the pixels of the chosen samples' plain images, each by its own
/// offset; motion and box inputs keep their values.
/// </summary>
public static class Augmentation
{
    public static bool Enabled(TrainOptions train) => Geometric(train) || Jitters(train);

    private static bool Geometric(TrainOptions train) => train.RotationDegrees > 0 || train.HorizontalFlip || train.ScaleJitter > 0;

    private static bool Jitters(TrainOptions train) => train.PixelJitterProbability > 0 && train.PixelJitter > 0;

    /// <summary>
    /// The geometric augmentation, then the pixel jitter, of one batch. <paramref name="minMax"/> gives, per input, the top
    /// of its per-sample min-max range, or null for values as computed (a feature set's <c>min_max</c>).
    /// </summary>
    public static List<Tensor> Apply(IReadOnlyList<Tensor> batch, IReadOnlyList<InputSpec> specs, TrainOptions train, Generator generator,
        IReadOnlyList<float?>? minMax = null)
    {
        var output = Geometric(train) ? Move(batch, specs, train, generator, minMax) : batch.ToList();
        return Jitters(train) ? Jitter(output, specs, train.PixelJitterProbability, train.PixelJitter, generator) : output;
    }

    /// <summary>
    /// Each sample, with probability <paramref name="probability"/>, gets every pixel of its plain image inputs shifted
    /// by an offset uniform in [-<paramref name="max"/>, <paramref name="max"/>]; which samples were chosen is drawn once
    /// per batch (the same for all of a sample's inputs).
    /// </summary>
    public static List<Tensor> Jitter(IReadOnlyList<Tensor> batch, IReadOnlyList<InputSpec> specs, double probability, double max, Generator generator)
    {
        var n = batch[0].shape[0];
        var chosen = (rand([n], generator: generator) < probability).to(float32);
        var output = new List<Tensor>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var x = batch[i];
            var spec = i < specs.Count ? specs[i] : null;
            if (spec is { Boxes: true } or { MotionChannels: true } || x.dim() != 4)
            {
                output.Add(x);
                continue;
            }
            var offsets = (rand(x.shape, generator: generator) * 2 - 1) * max;
            output.Add(x + offsets.to(x.device) * chosen.to(x.device).view(n, 1, 1, 1));
        }
        return output;
    }

    private static List<Tensor> Move(IReadOnlyList<Tensor> batch, IReadOnlyList<InputSpec> specs, TrainOptions train, Generator generator,
        IReadOnlyList<float?>? minMax)
    {
        var n = batch[0].shape[0];
        Tensor Uniform(double halfWidth) => (rand([n], generator: generator) * 2 - 1) * halfWidth;
        var angle = Uniform(train.RotationDegrees * Math.PI / 180.0);
        var zoom = 1 + Uniform(train.ScaleJitter);
        var mirror = train.HorizontalFlip ? where(rand([n], generator: generator) < 0.5, -1.0f, 1.0f) : ones([n]);
        // affine_grid maps output to input coordinates: zooming in by s samples the input at out / s; the mirror
        // negates x before the rotation.
        var cos = angle.cos() / zoom;
        var sin = angle.sin() / zoom;
        var zero = zeros([n]);
        var theta = stack([stack([cos * mirror, -sin, zero], 1), stack([sin * mirror, cos, zero], 1)], 1);
        // theta maps output to input positions, so what the input shows at a point appears as inverse(theta) times it.
        var inverse = linalg.inv(theta.narrow(2, 0, 2));

        var output = new List<Tensor>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var x = batch[i];
            var spec = i < specs.Count ? specs[i] : null;
            if (spec is { Boxes: true })
            {
                output.Add(MoveBoxes(x, inverse.to(x.device)));
                continue;
            }
            if (x.dim() != 4 || x.shape[2] < 2 || x.shape[3] < 2)
            {
                output.Add(x);
                continue;
            }
            var grid = F.affine_grid(theta.to(x.device), x.shape, align_corners: false);
            var moved = F.grid_sample(x, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
            if (spec is { MotionChannels: true } && x.shape[1] >= 2 && minMax is not null && i < minMax.Count && minMax[i] is not null)
            {
                // Min-max scaling maps -u to (min + max) - u of the sample's own range: exact for a mirror. A rotation or
                // a zoom has no such map (the trainer refuses them for these inputs).
                if (train.RotationDegrees > 0 || train.ScaleJitter > 0)
                    throw new ArgumentException($"input '{spec.Name}' is min-max scaled per sample: only a mirror can move its vectors");
                var u = moved.select(1, 0);
                var flat = u.flatten(1);
                var span = (flat.amin(1) + flat.amax(1)).view(n, 1, 1);
                var mirrored = (mirror < 0).to(x.device).view(n, 1, 1);
                moved = cat([where(mirrored, span - u, u).unsqueeze(1), moved.narrow(1, 1, x.shape[1] - 1)], 1);
            }
            else if (spec is { MotionChannels: true } && x.shape[1] >= 2)
            {
                var m = inverse.to(x.device).view(n, 2, 2, 1, 1);
                var u = moved.select(1, 0);
                var v = moved.select(1, 1);
                var u2 = m[.., 0, 0] * u + m[.., 0, 1] * v;
                var v2 = m[.., 1, 0] * u + m[.., 1, 1] * v;
                moved = cat([stack([u2, v2], 1), moved.narrow(1, 2, x.shape[1] - 2)], 1);
            }
            output.Add(moved);
        }
        return output;
    }

    /// <summary>Boxes [N, ..., 4] of (x, y, width, height) in fractions: each corner lands at inverse(theta) times it; the moved box bounds its four corners.</summary>
    private static Tensor MoveBoxes(Tensor boxes, Tensor inverse)
    {
        var n = boxes.shape[0];
        var b = boxes.reshape(n, -1, 4);
        var x0 = b.select(2, 0) * 2 - 1;
        var y0 = b.select(2, 1) * 2 - 1;
        var x1 = x0 + b.select(2, 2) * 2;
        var y1 = y0 + b.select(2, 3) * 2;
        var corners = stack([stack([x0, y0], -1), stack([x1, y0], -1), stack([x0, y1], -1), stack([x1, y1], -1)], 2); // [N, K, 4, 2]
        var moved = matmul(corners, inverse.transpose(1, 2).unsqueeze(1));
        var low = moved.min(2).values;
        var high = moved.max(2).values;
        return cat([(low + 1) / 2, (high - low) / 2], 2).reshape(boxes.shape);
    }
}
