using MerCluster.Vision;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Renders a clip: neutral at onset, the class's facial action (shaped by the subject's <see cref="ExpressionStyle"/>,
/// with the <see cref="PlannedClip.Blend"/> action of an ambiguous clip mixed in) rising to its amplitude at the apex
/// (raised cosine) and back to neutral at offset, with a slight head jitter (a correlated random walk of about 0.1 px),
/// the clip's <see cref="HeadMotion"/> ramping in from onset to offset, its brightness flicker and sensor noise.
/// </summary>
internal static class ClipRenderer
{
    public static IEnumerable<(int Frame, Image Image)> Render(SubjectFace face, PlannedClip clip, Random rng)
    {
        var size = face.Image.Height;
        var apexField = ApexField(face, clip, size);
        var noise = clip.Noise * (0.8 + 1.2 * rng.NextDouble());
        var centreX = face.Landmarks.Average(p => p.X);
        var centreY = face.Landmarks.Average(p => p.Y);
        var roll = (float)(clip.Head.RollDegrees * Math.PI / 180);
        float jitterX = 0, jitterY = 0;
        for (var i = 0; i < clip.FrameCount; i++)
        {
            jitterX = 0.6f * jitterX + Normal(rng, 0.08);
            jitterY = 0.6f * jitterY + Normal(rng, 0.08);
            var intensity = (float)Intensity(i, clip.ApexIndex, clip.FrameCount - 1);
            // The head's ramp: 0 at onset, 1 at offset. Backward field of a move d is -d; a roll by a moves p by a * (-(y - cy), x - cx).
            var head = (float)(0.5 - 0.5 * Math.Cos(Math.PI * i / (clip.FrameCount - 1)));
            var (shiftX, shiftY, angle) = (jitterX - head * (float)clip.Head.DriftX, jitterY - head * (float)clip.Head.DriftY, head * roll);
            var field = new FlowField(size, size);
            for (var p = 0; p < field.Data.Length; p += 2)
            {
                field.Data[p] = intensity * apexField.Data[p] + shiftX;
                field.Data[p + 1] = intensity * apexField.Data[p + 1] + shiftY;
            }
            if (angle != 0)
                for (var y = 0; y < size; y++)
                    for (var x = 0; x < size; x++)
                    {
                        var p = 2 * (y * size + x);
                        field.Data[p] += angle * (y - centreY);
                        field.Data[p + 1] -= angle * (x - centreX);
                    }
            var frame = Warp.Remap(face.Image, field);
            if (clip.Flicker > 0)
                Pixels.Tone(frame, [1, 1, 1], (float)(1 + Normal(rng, clip.Flicker)), 0, 0);
            Pixels.AddNoise(frame, noise, rng);
            yield return (clip.Onset + i, frame);
        }
    }

    /// <summary>The backward field at the apex: the clip's action (and its blend) with the style's region gains and asymmetry.</summary>
    private static FlowField ApexField(SubjectFace face, PlannedClip clip, int size)
    {
        var displacement = new LandmarkDisplacement(size, size);
        var l = face.Landmarks;
        // Upper face: above the nose bridge's middle (brows, lids); the asymmetry's sides split at the face's centre line.
        var (splitY, centreX) = (l[29].Y, l.Average(p => p.X));
        var style = clip.Style;
        void Add(FacialMotion motion, double amplitude)
        {
            foreach (var move in MotionTemplate.For(motion, l, (float)amplitude))
            {
                var gain = (float)((move.At.Y < splitY ? style.Upper : style.Lower) * (1 + style.Asymmetry * Math.Sign(move.At.X - centreX)));
                displacement.Add(move.At, gain * move.Dx, gain * move.Dy, move.Sigma);
            }
        }
        Add(clip.Motion, clip.Amplitude);
        if (clip.Blend is { } blend)
            Add(blend, clip.BlendWeight * clip.Amplitude);
        return displacement.Backward();
    }

    /// <summary>0 at onset and offset, 1 at the apex, raised-cosine ramps between.</summary>
    public static double Intensity(int index, int apex, int last) =>
        index <= apex
            ? 0.5 - 0.5 * Math.Cos(Math.PI * index / apex)
            : 0.5 + 0.5 * Math.Cos(Math.PI * (index - apex) / (last - apex));

    private static float Normal(Random rng, double sigma) =>
        (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
}
