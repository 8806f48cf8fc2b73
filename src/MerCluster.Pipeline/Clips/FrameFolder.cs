using System.Globalization;
using System.Text.RegularExpressions;

namespace MerCluster.Pipeline.Clips;

/// <summary>
/// A folder of numbered frame files as the databases ship them (img46.jpg, reg_img46.jpg, 006_05562.jpg, image123.bmp):
/// the frame number is the last run of digits in the file name, and onset/apex/offset are given as those numbers,
/// the way the coding sheets give them.
/// </summary>
public static partial class FrameFolder
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>
    /// The clip from frame <paramref name="onset"/> to <paramref name="offset"/> (default: the last frame).
    /// A missing folder, a folder without numbered frames, a number with no frame and a gap in the numbering between onset
    /// and offset are errors naming the folder or the missing file.
    /// </summary>
    public static Clip Load(string directory, int onset, int apex, int? offset = null, string? name = null)
    {
        name ??= directory;
        if (!Directory.Exists(directory))
            throw new PreprocessingException(name, $"frames folder {directory} does not exist");
        var numbered = new SortedDictionary<int, string>();
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            if (!Extensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
                continue;
            var match = LastNumber().Match(Path.GetFileNameWithoutExtension(path));
            if (!match.Success)
                continue;
            var number = int.Parse(match.Value, CultureInfo.InvariantCulture);
            if (numbered.TryGetValue(number, out var other))
                throw new PreprocessingException(name, $"{Path.GetFileName(other)} and {Path.GetFileName(path)} both claim frame number {number}");
            numbered[number] = path;
        }
        if (numbered.Count == 0)
            throw new PreprocessingException(name, $"no numbered frame images ({string.Join(", ", Extensions)}) in {directory}");
        var last = offset ?? numbered.Keys.Max();
        foreach (var (what, number) in new[] { ("onset", onset), ("apex", apex), ("offset", last) })
            if (!numbered.ContainsKey(number))
                throw new PreprocessingException(name, $"{what} frame {number} is missing from {directory} (frames {numbered.Keys.Min()}..{numbered.Keys.Max()})");
        if (!(onset <= apex && apex <= last))
            throw new PreprocessingException(name, $"frame numbers must satisfy onset <= apex <= offset, got {onset}, {apex}, {last}");
        var frames = new List<string>();
        for (var n = onset; n <= last; n++)
        {
            if (!numbered.TryGetValue(n, out var path))
                throw new PreprocessingException(name, $"frame {n} is missing: {Path.Combine(directory, Expected(numbered[onset], onset, n))} (frames must be consecutive from onset to offset)");
            frames.Add(path);
        }
        return new Clip(name, frames, 0, apex - onset, last - onset);
    }

    /// <summary>The file name frame <paramref name="n"/> would have, spelled like <paramref name="sample"/> (frame <paramref name="sampleNumber"/>).</summary>
    private static string Expected(string sample, int sampleNumber, int n)
    {
        var file = Path.GetFileName(sample);
        var match = LastNumber().Match(Path.GetFileNameWithoutExtension(file));
        var digits = match.Value.Length > sampleNumber.ToString(CultureInfo.InvariantCulture).Length
            ? n.ToString(new string('0', match.Value.Length), CultureInfo.InvariantCulture)
            : n.ToString(CultureInfo.InvariantCulture);
        return file[..match.Index] + digits + file[(match.Index + match.Length)..];
    }

    [GeneratedRegex(@"\d+(?=\D*$)")]
    private static partial Regex LastNumber();
}
