using System.Globalization;

namespace MerCluster.Pipeline.Clips;

/// <summary>One row of a clip list: where a clip's frames are and its onset/apex/offset frame numbers.</summary>
public sealed record ClipListEntry(string FramesDirectory, int Onset, int Apex, int? Offset, int Line);

/// <summary>
/// A CSV of clips for `mer preprocess --clips`: header <c>frames_dir,onset,apex[,offset]</c>, one clip per row,
/// relative folders taken from the CSV's own folder. A malformed row is an error naming the file and line.
/// </summary>
public static class ClipList
{
    public static IReadOnlyList<ClipListEntry> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0)
            throw new FormatException($"{path}: empty clip list; expected the header frames_dir,onset,apex[,offset]");
        var header = lines[0].Split(',').Select(h => h.Trim()).ToArray();
        int Column(string name, bool required)
        {
            var index = Array.IndexOf(header, name);
            return index >= 0 || !required ? index
                : throw new FormatException($"{path}:1: missing column '{name}'; expected frames_dir,onset,apex[,offset]");
        }
        var (dirColumn, onsetColumn, apexColumn, offsetColumn) = (Column("frames_dir", true), Column("onset", true), Column("apex", true), Column("offset", false));
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var entries = new List<ClipListEntry>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            var cells = lines[i].Split(',').Select(c => c.Trim()).ToArray();
            if (cells.Length != header.Length)
                throw new FormatException($"{path}:{i + 1}: {cells.Length} cells, the header has {header.Length}");
            int Number(int column, string name) => int.TryParse(cells[column], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
                : throw new FormatException($"{path}:{i + 1}: {name} '{cells[column]}' is not a frame number");
            int? offset = offsetColumn >= 0 && cells[offsetColumn].Length > 0 ? Number(offsetColumn, "offset") : null;
            entries.Add(new ClipListEntry(Path.Combine(baseDirectory, cells[dirColumn]), Number(onsetColumn, "onset"), Number(apexColumn, "apex"), offset, i + 1));
        }
        return entries;
    }
}
