using MerCluster.Vision;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Renders a clip: neutral at onset, the class's facial action rising to its amplitude at the apex (raised cosine) and
/// back to neutral at offset, with a slight head jitter (a correlated random walk of about 0.1 px) and sensor noise.
/// </summary>
internal static class ClipRenderer
{
    public static IEnumerable<(int Frame, Image Image)> Render(SubjectFace face, PlannedClip clip, Random rng)
    {
        var size = face.Image.Height;
        var displacement = new LandmarkDisplacement(size, size);
        foreach (var move in MotionTemplate.For(clip.Motion, face.Landmarks, (float)clip.Amplitude))
            displacement.Add(move.At, move.Dx, move.Dy, move.Sigma);
        var apexField = displacement.Backward();
        var noise = 0.8 + 1.2 * rng.NextDouble();
        float jitterX = 0, jitterY = 0;
        for (var i = 0; i < clip.FrameCount; i++)
        {
            jitterX = 0.6f * jitterX + Normal(rng, 0.08);
            jitterY = 0.6f * jitterY + Normal(rng, 0.08);
            var intensity = (float)Intensity(i, clip.ApexIndex, clip.FrameCount - 1);
            var field = new FlowField(size, size);
            for (var p = 0; p < field.Data.Length; p += 2)
            {
                field.Data[p] = intensity * apexField.Data[p] + jitterX;
                field.Data[p + 1] = intensity * apexField.Data[p + 1] + jitterY;
            }
            var frame = Warp.Remap(face.Image, field);
            Pixels.AddNoise(frame, noise, rng);
            yield return (clip.Onset + i, frame);
        }
    }

    /// <summary>0 at onset and offset, 1 at the apex, raised-cosine ramps between.</summary>
    public static double Intensity(int index, int apex, int last) =>
        index <= apex
            ? 0.5 - 0.5 * Math.Cos(Math.PI * index / apex)
            : 0.5 + 0.5 * Math.Cos(Math.PI * (index - apex) / (last - apex));

    private static float Normal(Random rng, double sigma) =>
        (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
}
