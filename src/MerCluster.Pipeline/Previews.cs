using System.Drawing;
using MerCluster.Pipeline.Steps;
using MerCluster.Vision;

namespace MerCluster.Pipeline;

/// <summary>
/// PNG pictures of a clip's features that a person can open to check the preprocessing: the aligned onset with its
/// landmarks, the flow's colour image, the strain as a heat map, each image-like output the pipeline produced, and the
/// AU boxes outlined on the aligned apex.
/// </summary>
public static class Previews
{
    private static readonly PipelineOutput[] FlowOutputs = [PipelineOutput.FlowUvs, PipelineOutput.FlowImage];

    /// <summary>Writes the previews of <paramref name="features"/> into <paramref name="directory"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Write(ClipFeatures features, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        void Save(string name, Image image)
        {
            var path = Path.Combine(directory, name + ".png");
            NativeClock.Time(() => { image.Write(path); return 0; });
            written.Add(path);
        }

        features.Guard(() =>
        {
            Save("aligned_onset_landmarks", WithLandmarks(Tensors.ToImage(features.AlignedOnset.Value), Tensors.ToPoints(features.AlignedLandmarks.Value)));
            Save("aligned_apex", Tensors.ToImage(features.AlignedApex.Value));
            if (features.Outputs.Keys.Any(FlowOutputs.Contains))
            {
                var flow = Tensors.ToFlow(features.Flow.Value);
                Save("flow", NativeClock.Time(() => FlowColor.Render(flow)));
                Save("strain", HeatMap(FlowStep.Strain(features.Flow.Value)));
            }
            foreach (var (output, feature) in features.Outputs)
            {
                var value = feature.Value;
                switch (output)
                {
                    case PipelineOutput.FlowImage or PipelineOutput.DynamicImage or PipelineOutput.Onset or PipelineOutput.Apex:
                        Save(output.Key(), Tensors.FromChannelsFirst(value, 0, 3));
                        break;
                    case PipelineOutput.ApexGray:
                        Save(output.Key(), Tensors.FromChannelsFirst(value, 0, 1));
                        break;
                    case PipelineOutput.AuRegions or PipelineOutput.Frames or PipelineOutput.ApexNeighbours:
                        Save(output.Key(), Mosaic(Enumerable.Range(0, value.Shape[0] / 3).Select(r => Tensors.FromChannelsFirst(value, 3 * r, 3)).ToList()));
                        break;
                    case PipelineOutput.AuBoxes:
                        Save(output.Key(), WithBoxes(Tensors.ToImage(features.AlignedApex.Value), value.Data));
                        break;
                }
            }
            return 0;
        });
        return written;
    }

    /// <summary>A copy of <paramref name="image"/> with each landmark drawn as a green 3x3 dot.</summary>
    public static Image WithLandmarks(Image image, PointF[] landmarks)
    {
        var copy = new Image(image.Height, image.Width, image.Channels, (byte[])image.Data.Clone());
        foreach (var point in landmarks)
        {
            var (cx, cy) = ((int)MathF.Round(point.X), (int)MathF.Round(point.Y));
            for (var y = cy - 1; y <= cy + 1; y++)
                for (var x = cx - 1; x <= cx + 1; x++)
                    if (x >= 0 && y >= 0 && x < copy.Width && y < copy.Height)
                        for (var c = 0; c < copy.Channels; c++)
                            copy.Data[(y * copy.Width + x) * copy.Channels + c] = (byte)(c == 1 || copy.Channels == 1 ? 255 : 0);
        }
        return copy;
    }

    /// <summary>A copy of <paramref name="image"/> with each box ((x, y, width, height) fractions, 4 floats each) outlined in red.</summary>
    public static Image WithBoxes(Image image, float[] boxes)
    {
        var copy = new Image(image.Height, image.Width, image.Channels, (byte[])image.Data.Clone());
        void Paint(int x, int y)
        {
            if (x < 0 || y < 0 || x >= copy.Width || y >= copy.Height)
                return;
            for (var c = 0; c < copy.Channels; c++)
                copy.Data[(y * copy.Width + x) * copy.Channels + c] = (byte)(c == 2 || copy.Channels == 1 ? 255 : 0);
        }
        for (var b = 0; b + 3 < boxes.Length; b += 4)
        {
            var (left, top) = ((int)MathF.Round(boxes[b] * copy.Width), (int)MathF.Round(boxes[b + 1] * copy.Height));
            var (right, bottom) = ((int)MathF.Round((boxes[b] + boxes[b + 2]) * copy.Width) - 1, (int)MathF.Round((boxes[b + 1] + boxes[b + 3]) * copy.Height) - 1);
            for (var x = left; x <= right; x++)
            {
                Paint(x, top);
                Paint(x, bottom);
            }
            for (var y = top; y <= bottom; y++)
            {
                Paint(left, y);
                Paint(right, y);
            }
        }
        return copy;
    }

    /// <summary>
    /// The field scaled by its 99th percentile (so a few border outliers do not darken the rest) and coloured
    /// black -> purple -> red -> yellow -> white (BGR): strain concentrated around moving features shows bright on dark.
    /// </summary>
    public static Image HeatMap(ScalarField field)
    {
        (float At, byte R, byte G, byte B)[] stops = [(0f, 0, 0, 0), (0.25f, 90, 20, 120), (0.5f, 210, 40, 50), (0.75f, 250, 190, 30), (1f, 255, 255, 255)];
        var sorted = (float[])field.Data.Clone();
        Array.Sort(sorted);
        var max = sorted[(int)(0.99 * (sorted.Length - 1))];
        var image = new Image(field.Height, field.Width, 3);
        for (var p = 0; p < field.Data.Length; p++)
        {
            var t = max > 0 ? Math.Clamp(field.Data[p] / max, 0f, 1f) : 0f;
            var k = Math.Min((int)(t * (stops.Length - 1)), stops.Length - 2);
            var (a, b) = (stops[k], stops[k + 1]);
            var f = (t - a.At) / (b.At - a.At);
            image.Data[3 * p] = (byte)(a.B + f * (b.B - a.B));
            image.Data[3 * p + 1] = (byte)(a.G + f * (b.G - a.G));
            image.Data[3 * p + 2] = (byte)(a.R + f * (b.R - a.R));
        }
        return image;
    }

    /// <summary>Same-size images laid out 3 to a row.</summary>
    private static Image Mosaic(IReadOnlyList<Image> tiles)
    {
        const int columns = 3;
        var (h, w, c) = (tiles[0].Height, tiles[0].Width, tiles[0].Channels);
        var rows = (tiles.Count + columns - 1) / columns;
        var mosaic = new Image(rows * h, columns * w, c);
        for (var i = 0; i < tiles.Count; i++)
        {
            var (top, left) = (i / columns * h, i % columns * w);
            for (var y = 0; y < h; y++)
                Buffer.BlockCopy(tiles[i].Data, y * w * c, mosaic.Data, ((top + y) * mosaic.Width + left) * c, w * c);
        }
        return mosaic;
    }
}
