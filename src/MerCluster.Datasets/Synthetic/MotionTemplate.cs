using System.Drawing;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Where each facial action moves the face at its apex: landmark moves (0-based dlib indices; image y points down) in
/// units of the clip's amplitude, the largest move being 1, each spread over a Gaussian proportional to the eye distance.
/// </summary>
internal static class MotionTemplate
{
    public readonly record struct Move(PointF At, float Dx, float Dy, float Sigma);

    public static IReadOnlyList<Move> For(FacialMotion motion, PointF[] l, float amplitude)
    {
        var eyeDistance = Distance(l[36], l[45]);
        var fine = 0.12f * eyeDistance;
        var broad = 0.22f * eyeDistance;
        var moves = new List<Move>();
        void Add(int point, float dx, float dy, float? sigma = null) => moves.Add(new(l[point], dx * amplitude, dy * amplitude, sigma ?? fine));
        void AddAt(PointF at, float dx, float dy, float sigma) => moves.Add(new(at, dx * amplitude, dy * amplitude, sigma));

        switch (motion)
        {
            case FacialMotion.Smile:
                // AU12: lip corners up and out; AU6: cheeks and lower lids raised.
                Add(48, -0.6f, -0.8f); Add(54, 0.6f, -0.8f);
                Add(60, -0.45f, -0.6f); Add(64, 0.45f, -0.6f);
                Add(49, -0.25f, -0.35f); Add(53, 0.25f, -0.35f); Add(59, -0.25f, -0.4f); Add(55, 0.25f, -0.4f);
                AddAt(Mean(l[2], l[31], l[40]), 0, -0.55f, broad);
                AddAt(Mean(l[14], l[35], l[47]), 0, -0.55f, broad);
                foreach (var p in new[] { 40, 41, 46, 47 })
                    Add(p, 0, -0.3f);
                break;
            case FacialMotion.BrowLowerLipDepress:
                BrowLowerer(Add);
                // AU15: lip corners pulled down.
                Add(48, -0.15f, 0.8f); Add(54, 0.15f, 0.8f); Add(60, -0.1f, 0.55f); Add(64, 0.1f, 0.55f);
                Add(59, 0, 0.3f); Add(55, 0, 0.3f);
                break;
            case FacialMotion.BrowLowerNoseWrinkle:
                BrowLowerer(Add);
                // AU9: nose wrinkled and pulled up; AU10: upper lip raised.
                Add(31, -0.25f, -0.6f); Add(35, 0.25f, -0.6f); Add(32, 0, -0.6f); Add(33, 0, -0.6f); Add(34, 0, -0.6f);
                Add(28, 0, -0.35f); Add(29, 0, -0.45f);
                Add(50, 0, -0.45f); Add(51, 0, -0.5f); Add(52, 0, -0.45f);
                break;
            case FacialMotion.BrowsUpJawDrop:
                // AU1+2: whole brows up; AU5: upper lids up; AU26: jaw drop.
                foreach (var p in Enumerable.Range(17, 10))
                    Add(p, 0, -1f);
                foreach (var p in new[] { 37, 38, 43, 44 })
                    Add(p, 0, -0.55f);
                foreach (var p in new[] { 56, 57, 58, 65, 66, 67 })
                    Add(p, 0, 0.7f);
                foreach (var p in Enumerable.Range(6, 5))
                    Add(p, 0, 0.9f, broad);
                break;
            case FacialMotion.InnerBrowRaise:
                // AU1: inner brows up; AU15.
                Add(20, 0.1f, -0.7f); Add(21, 0.15f, -1f); Add(22, -0.15f, -1f); Add(23, -0.1f, -0.7f);
                Add(48, 0, 0.5f); Add(54, 0, 0.5f);
                break;
            case FacialMotion.LipPress:
                // AU24: lips pressed together.
                foreach (var p in new[] { 50, 51, 52, 61, 62, 63 })
                    Add(p, 0, 0.6f);
                foreach (var p in new[] { 56, 57, 58, 65, 66, 67 })
                    Add(p, 0, -0.6f);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(motion), motion, null);
        }
        return moves;
    }

    /// <summary>AU4: brows lowered and drawn together, most at the inner ends.</summary>
    private static void BrowLowerer(Action<int, float, float, float?> add)
    {
        add(21, 0.5f, 1f, null); add(22, -0.5f, 1f, null);
        add(20, 0.35f, 0.8f, null); add(23, -0.35f, 0.8f, null);
        add(19, 0.2f, 0.6f, null); add(24, -0.2f, 0.6f, null);
        add(17, 0, 0.4f, null); add(18, 0, 0.5f, null); add(25, 0, 0.5f, null); add(26, 0, 0.4f, null);
    }

    private static float Distance(PointF a, PointF b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));

    private static PointF Mean(params PointF[] points) => new(points.Average(p => p.X), points.Average(p => p.Y));
}
