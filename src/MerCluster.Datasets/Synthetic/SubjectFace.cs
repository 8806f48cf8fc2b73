using System.Drawing;
using MerCluster.Vision;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// One synthetic subject's neutral face: the template with a landmark-driven shape change (eye spacing, brow height,
/// mouth width and height, nose length, jaw width, chin), a small head pose (rotation, scale, shift), skin tone and
/// lighting; with its landmarks moved accordingly. The hard twin's subjects differ more: shape changes 1.6 times as
/// large, a wider range of skin tones and stronger, more one-sided lighting.
/// </summary>
internal sealed record SubjectFace(Image Image, PointF[] Landmarks)
{
    /// <summary>Spread of an identity shape change, in pixels at <see cref="FaceTemplate.Size"/>.</summary>
    private const float ShapeSigma = 14f;

    public static SubjectFace Create(FaceTemplate template, Random rng, SynthDifficulty difficulty)
    {
        var size = FaceTemplate.Size;
        var l = template.Landmarks;
        var hard = difficulty == SynthDifficulty.Hard;
        float U(double low, double high) => (float)(low + rng.NextDouble() * (high - low));
        // Shape changes scale about 0, tone and lighting ranges widen about their easy centres.
        float Spread(double low, double high, double factor)
        {
            if (!hard)
                return U(low, high);
            var (centre, half) = ((low + high) / 2, (high - low) / 2 * factor);
            return U(centre - half, centre + half);
        }

        var shape = new LandmarkDisplacement(size, size);
        void Move(IEnumerable<int> points, float dx, float dy)
        {
            foreach (var p in points)
                shape.Add(l[p], dx, dy, ShapeSigma);
        }
        var eyes = Spread(-1.5, 1.5, 1.6);
        var brows = Spread(-2, 2, 1.6);
        var mouthWidth = Spread(-2, 2, 1.6);
        var mouthHeight = Spread(-2, 2, 1.6);
        var nose = Spread(-2, 2, 1.6);
        var jaw = Spread(-3, 3, 1.6);
        var chin = Spread(-3, 3, 1.6);
        Move(Range(36, 41), -eyes, 0);
        Move(Range(42, 47), eyes, 0);
        Move(Range(17, 21), -eyes, brows);
        Move(Range(22, 26), eyes, brows);
        Move([48, 60], -mouthWidth, mouthHeight);
        Move([54, 64], mouthWidth, mouthHeight);
        Move([.. Range(49, 53), .. Range(55, 59), 61, 62, 63, 65, 66, 67], 0, mouthHeight);
        Move(Range(31, 35), 0, nose);
        Move(Range(0, 4), -jaw, 0);
        Move(Range(12, 16), jaw, 0);
        Move(Range(6, 10), 0, chin);

        var angle = U(-4, 4) * MathF.PI / 180;
        var scale = U(0.94, 1.06);
        var shift = new PointF(U(-4, 4), U(-4, 4));
        var centre = new PointF(l.Average(p => p.X), l.Average(p => p.Y));
        var (cos, sin) = (MathF.Cos(angle), MathF.Sin(angle));

        // Backward map: output pixel x comes from template point shape^-1(pose^-1(x)); both inverses are close enough
        // to "minus the forward move" for moves of a few pixels.
        var field = new FlowField(size, size);
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var (px, py) = (x - centre.X - shift.X, y - centre.Y - shift.Y);
                var sx = (cos * px + sin * py) / scale + centre.X;
                var sy = (-sin * px + cos * py) / scale + centre.Y;
                var move = shape.Forward((int)MathF.Round(sx), (int)MathF.Round(sy));
                var i = 2 * (y * size + x);
                field.Data[i] = sx - move.X - x;
                field.Data[i + 1] = sy - move.Y - y;
            }
        var image = Warp.Remap(template.Image, field);
        Pixels.Tone(image, [Spread(0.8, 1.1, 2), Spread(0.85, 1.05, 2), Spread(0.85, 1.12, 2)], Spread(0.85, 1.1, 2), Spread(-0.25, 0.25, 1.8), Spread(-0.15, 0.15, 1.8));

        var landmarks = l.Select(p =>
        {
            var move = shape.Forward((int)MathF.Round(p.X), (int)MathF.Round(p.Y));
            var (qx, qy) = (p.X + move.X - centre.X, p.Y + move.Y - centre.Y);
            return new PointF(scale * (cos * qx - sin * qy) + centre.X + shift.X, scale * (sin * qx + cos * qy) + centre.Y + shift.Y);
        }).ToArray();
        return new SubjectFace(image, landmarks);
    }

    private static IEnumerable<int> Range(int first, int last) => Enumerable.Range(first, last - first + 1);
}
