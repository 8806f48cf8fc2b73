using MerCluster.Core;
using System.Globalization;

namespace MerCluster.Datasets.Loaders;

/// <summary>
/// SMIC-HS as distributed: <c>&lt;root&gt;/HS/s{N}/micro/{positive|negative|surprise}/s{N}_{po|ne|sur}_{NN}/image{k}.bmp</c>,
/// no sheet. Onset and offset are the first and last frame present; the apex is the middle frame, as most papers take it
/// (a pipeline with <c>smic_apex: max_flow</c> replaces it by the frame of largest flow from the onset, as MJFN does).
/// </summary>
public static class SmicLoader
{
    /// <summary>The emotion folders under <c>micro/</c>.</summary>
    public static readonly IReadOnlyList<string> Emotions = ["negative", "positive", "surprise"];

    /// <summary>Reads <paramref name="root"/>/HS, or <paramref name="root"/> itself when it is the HS folder.</summary>
    public static DatabaseScan Load(string root)
    {
        root = Path.GetFullPath(root);
        var hs = Directory.Exists(Path.Combine(root, "HS")) ? Path.Combine(root, "HS") : root;
        var subjects = Directory.Exists(hs)
            ? Directory.EnumerateDirectories(hs, "s*").Where(d => IsSubjectFolder(Path.GetFileName(d))).ToList()
            : [];
        if (subjects.Count == 0)
            throw new DatasetException($"SMIC-HS root {root}: no HS/s{{N}} subject folders");
        var scan = new DatabaseScan.Builder(DatabaseIds.Smic, root);
        foreach (var subjectDir in subjects.OrderBy(d => int.Parse(Path.GetFileName(d)[1..], CultureInfo.InvariantCulture)))
        {
            var subject = Path.GetFileName(subjectDir);
            foreach (var emotion in Emotions)
            {
                var emotionDir = Path.Combine(subjectDir, "micro", emotion);
                if (!Directory.Exists(emotionDir))
                    continue;
                foreach (var clipDir in Directory.EnumerateDirectories(emotionDir).Order(StringComparer.Ordinal))
                {
                    var folder = ClipFolder.List(clipDir)!;
                    var (onset, offset) = folder.Frames.Count > 0 ? (folder.First.ToString(CultureInfo.InvariantCulture), folder.Last.ToString(CultureInfo.InvariantCulture)) : (null, null);
                    var annotation = new ClipAnnotation(DatabaseIds.Smic, subject, Path.GetFileName(clipDir), emotion, null, onset,
                        folder.Frames.Count > 0 ? (folder.First + (folder.Last - folder.First) / 2).ToString(CultureInfo.InvariantCulture) : null,
                        offset, "SMIC-HS");
                    scan.Add(annotation, clipDir);
                }
            }
        }
        return scan.Build();
    }

    private static bool IsSubjectFolder(string name) =>
        name.Length > 1 && name[0] == 's' && name[1..].All(char.IsAsciiDigit);
}
