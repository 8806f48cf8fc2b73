using System.Globalization;
using MerCluster.Core;

namespace MerCluster.Datasets.Loaders;

/// <summary>
/// CK+ as distributed (see <see cref="CkPlusLayout"/>): one clip per sequence folder, onset its first frame (CK+ numbers
/// every sequence from 1), apex and offset its last frame (the peak, the frame the emotion file is named after), subject
/// <c>ckplus/S005</c>, sample <c>ckplus/S005/001</c>, emotion the CK+ name of the file's code (<c>anger</c>, <c>happy</c>...).
/// Sequences without an emotion file (CK+ labels only some) and sequences whose emotion file is malformed or does not
/// name the last frame present are excluded with the reason, naming the file. A class set's <c>frames_per_sequence</c>
/// (ckplus-3class: 3) makes each clip that many samples, ending at its last frames (see <c>CompositeBuilder</c>).
/// </summary>
public static class CkPlusLoader
{
    /// <summary>Reads <paramref name="root"/>/cohn-kanade-images and <paramref name="root"/>/Emotion.</summary>
    public static DatabaseScan Load(string root)
    {
        root = Path.GetFullPath(root);
        var images = Path.Combine(root, CkPlusLayout.ImagesFolder);
        var subjects = Directory.Exists(images)
            ? Directory.EnumerateDirectories(images).Where(d => IsSubjectFolder(Path.GetFileName(d))).Order(StringComparer.Ordinal).ToList()
            : [];
        if (subjects.Count == 0)
            throw new DatasetException($"CK+ root {root}: no {CkPlusLayout.ImagesFolder}/S{{NNN}} subject folders");
        var scan = new DatabaseScan.Builder(DatabaseIds.CkPlus, root);
        foreach (var subjectDirectory in subjects)
        {
            var subject = Path.GetFileName(subjectDirectory);
            foreach (var sequenceDirectory in Directory.EnumerateDirectories(subjectDirectory).Order(StringComparer.Ordinal))
            {
                var sequence = Path.GetFileName(sequenceDirectory);
                var sampleId = DatabaseIds.SampleId(DatabaseIds.SubjectId(DatabaseIds.CkPlus, subject), sequence);
                var where = $"CK+ {subject}/{sequence}";
                var (emotion, peak, problem) = ReadLabel(Path.Combine(root, CkPlusLayout.EmotionFolder, subject, sequence));
                if (problem is not null)
                {
                    scan.Exclude(sampleId, $"{where}: {problem}");
                    continue;
                }
                var folder = ClipFolder.List(sequenceDirectory)!;
                if (folder.Frames.Count > 0 && peak != folder.Last)
                {
                    scan.Exclude(sampleId, peak > folder.Last
                        ? $"{where}: the emotion file names peak frame {peak}, but {folder.ExpectedFile(peak)} is missing"
                        : $"{where}: the emotion file names peak frame {peak}, but the sequence goes on to {folder.Frames[folder.Last]}");
                    continue;
                }
                var onset = 1.ToString(CultureInfo.InvariantCulture);
                var last = peak.ToString(CultureInfo.InvariantCulture);
                scan.Add(new ClipAnnotation(DatabaseIds.CkPlus, subject, sequence, emotion!, null, onset, last, last, where), sequenceDirectory);
            }
        }
        return scan.Build();
    }

    /// <summary>The sequence's emotion and the peak frame its file is named after, or why it has none usable.</summary>
    private static (string? Emotion, int Peak, string? Problem) ReadLabel(string directory)
    {
        var files = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*" + CkPlusLayout.EmotionSuffix).Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
            return (null, 0, $"no emotion label ({directory} holds no *{CkPlusLayout.EmotionSuffix}; CK+ labels only some sequences)");
        if (files.Count > 1)
            return (null, 0, $"{files.Count} emotion files: {string.Join(", ", files)}");
        var file = files[0];
        var stem = Path.GetFileName(file)[..^CkPlusLayout.EmotionSuffix.Length];
        var digits = stem.Length;
        while (digits > 0 && char.IsAsciiDigit(stem[digits - 1]))
            digits--;
        if (digits == stem.Length || !int.TryParse(stem.AsSpan(digits), NumberStyles.None, CultureInfo.InvariantCulture, out var peak) || peak < 1)
            return (null, 0, $"{file}: the name does not end in the peak frame number");
        string text;
        try
        {
            text = File.ReadAllText(file).Trim();
        }
        catch (IOException e)
        {
            return (null, 0, $"{file} cannot be read: {e.Message}");
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var code)
            || code != Math.Floor(code) || code < 0 || code >= CkPlusLayout.Emotions.Count)
            return (null, 0, $"{file}: '{text}' is not a CK+ emotion code (0-{CkPlusLayout.Emotions.Count - 1})");
        return (CkPlusLayout.Emotions[(int)code], peak, null);
    }

    private static bool IsSubjectFolder(string name) =>
        name.Length > 1 && name[0] == 'S' && name[1..].All(char.IsAsciiDigit);
}
