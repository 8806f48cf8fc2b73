using System.Globalization;
using System.Text.RegularExpressions;
using MerCluster.Datasets.Manifests;

namespace MerCluster.Datasets.Loaders;

/// <summary>
/// Turns an annotation and its clip folder into a <see cref="Clip"/>, applying the field's repair rules to the defects
/// real sheets have, or into an <see cref="ExcludedSample"/> with the reason when no rule applies:
/// <list type="bullet">
/// <item>apex missing (<c>/</c>, empty or <c>-1</c>) -> the middle frame of onset..offset, flagged (the rule the papers use);</item>
/// <item>offset 0, missing or past the last frame present -> the last frame present, flagged;</item>
/// <item>apex outside onset..offset -> excluded: no rule says which of the three numbers is wrong;</item>
/// <item>AU cell with <c>or</c> -> all alternatives kept, flagged;</item>
/// <item>missing clip folder, or any frame of onset..offset missing -> excluded, naming the path.</item>
/// </list>
/// </summary>
internal static partial class ClipResolver
{
    [GeneratedRegex(@"\s+or\s+", RegexOptions.IgnoreCase)]
    private static partial Regex Or();

    public static (Clip? Clip, ExcludedSample? Excluded) Resolve(ClipAnnotation a, string root, string clipDirectory)
    {
        ExcludedSample Exclude(string reason) => new(a.Database, a.SampleId, $"{a.Where}: {reason}");

        var folder = ClipFolder.List(clipDirectory);
        if (folder is null)
            return (null, Exclude($"clip folder {clipDirectory} is missing"));
        if (folder.Frames.Count == 0)
            return (null, Exclude($"clip folder {clipDirectory} holds no frame images"));

        var flags = new List<string>();
        if (!TryFrame(a.Onset, out var onset))
            return (null, Exclude($"onset '{a.Onset}' is not a frame number"));

        int offset;
        if (a.Offset is null || a.Offset == "0")
        {
            offset = folder.Last;
            flags.Add($"offset {(a.Offset is null ? "missing" : "0")}: set to the last frame present, {offset}");
        }
        else if (!TryFrame(a.Offset, out offset))
            return (null, Exclude($"offset '{a.Offset}' is not a frame number"));
        else if (offset > folder.Last)
        {
            flags.Add($"offset {offset} is past the last frame present: set to {folder.Last}");
            offset = folder.Last;
        }
        if (offset < onset)
            return (null, Exclude($"offset {offset} is before onset {onset}"));

        int apex;
        if (a.Apex is null or "/" or "-1")
        {
            apex = onset + (offset - onset) / 2;
            flags.Add($"apex {(a.Apex is null ? "missing" : $"'{a.Apex}'")}: set to the middle frame of onset..offset, {apex}");
        }
        else if (!TryFrame(a.Apex, out apex))
            return (null, Exclude($"apex '{a.Apex}' is not a frame number"));
        else if (apex < onset || apex > offset)
            return (null, Exclude($"apex {apex} is outside onset..offset {onset}..{offset}"));

        var missing = Enumerable.Range(onset, offset - onset + 1).Where(k => !folder.Frames.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            return (null, Exclude($"{missing.Count} frame(s) of onset..offset {onset}..{offset} missing, first {folder.ExpectedFile(missing[0])}"));

        var actionUnits = ActionUnits(a.ActionUnits);
        if (actionUnits.Count > 1)
            flags.Add($"action units '{a.ActionUnits}' give alternatives: all kept");

        var clip = new Clip
        {
            Database = a.Database,
            Subject = a.Subject,
            Name = a.ClipName,
            Emotion = a.Emotion,
            ActionUnits = actionUnits,
            Frames = Enumerable.Range(onset, offset - onset + 1).Select(k => ManifestPaths.ToRelative(root, folder.Frames[k])).ToList(),
            Onset = onset,
            Apex = apex,
            Offset = offset,
            Flags = flags,
        };
        return (clip, null);
    }

    private static IReadOnlyList<string> ActionUnits(string? cell) =>
        cell is null ? [] : Or().Split(cell).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    private static bool TryFrame(string? text, out int frame)
    {
        frame = 0;
        if (text is null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return false;
        if (value < 0 || value != Math.Floor(value) || value > int.MaxValue)
            return false;
        frame = (int)value;
        return true;
    }
}
