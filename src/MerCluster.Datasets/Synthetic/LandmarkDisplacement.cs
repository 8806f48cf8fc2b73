using System.Drawing;
using MerCluster.Vision;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// A smooth displacement field built from landmark moves: each move (content at a point shifts by (dx, dy)) spreads with
/// a Gaussian weight, and where several moves overlap their weighted sum is normalised by the total weight (when it
/// exceeds 1) so neighbouring landmarks moving together never add up to more than their own displacement.
/// </summary>
internal sealed class LandmarkDisplacement(int height, int width)
{
    private readonly float[] _sum = new float[height * width * 2];
    private readonly float[] _weight = new float[height * width];

    public void Add(PointF at, float dx, float dy, float sigma)
    {
        var reach = (int)MathF.Ceiling(3 * sigma);
        var x0 = Math.Max(0, (int)at.X - reach);
        var x1 = Math.Min(width - 1, (int)at.X + reach);
        var y0 = Math.Max(0, (int)at.Y - reach);
        var y1 = Math.Min(height - 1, (int)at.Y + reach);
        var inverse = -1f / (2 * sigma * sigma);
        for (var y = y0; y <= y1; y++)
            for (var x = x0; x <= x1; x++)
            {
                var w = MathF.Exp(((x - at.X) * (x - at.X) + (y - at.Y) * (y - at.Y)) * inverse);
                var i = y * width + x;
                _weight[i] += w;
                _sum[2 * i] += w * dx;
                _sum[2 * i + 1] += w * dy;
            }
    }

    /// <summary>How far the content at pixel (x, y) moves (the forward displacement).</summary>
    public PointF Forward(int x, int y)
    {
        x = Math.Clamp(x, 0, width - 1);
        y = Math.Clamp(y, 0, height - 1);
        var i = y * width + x;
        var norm = Math.Max(1f, _weight[i]);
        return new PointF(_sum[2 * i] / norm, _sum[2 * i + 1] / norm);
    }

    /// <summary>The field <see cref="Warp.Remap"/> needs to move the content as added: out(x) = in(x - forward(x)).</summary>
    public FlowField Backward()
    {
        var field = new FlowField(height, width);
        for (var i = 0; i < _weight.Length; i++)
        {
            var norm = Math.Max(1f, _weight[i]);
            field.Data[2 * i] = -_sum[2 * i] / norm;
            field.Data[2 * i + 1] = -_sum[2 * i + 1] / norm;
        }
        return field;
    }
}
