using MerCluster.Core;
using System.Globalization;

namespace MerCluster.Datasets.Loaders;

/// <summary>
/// CASME II as distributed: <c>&lt;root&gt;/sub{NN}/{Filename}/img{k}.jpg</c> (or <c>reg_img{k}.jpg</c>) and the coding
/// sheet <c>CASME2-coding-20140508.xlsx</c>, one row per clip.
/// </summary>
public static class Casme2Loader
{
    public const string SheetFile = "CASME2-coding-20140508.xlsx";

    /// <summary>Every value of the sheet's <c>Estimated Emotion</c> column.</summary>
    public static readonly IReadOnlyList<string> Emotions = ["happiness", "disgust", "repression", "surprise", "sadness", "fear", "others"];

    public static readonly IReadOnlyList<string> Columns =
        ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units", "Estimated Emotion"];

    /// <summary>Reads the tree under <paramref name="root"/>; the sheet is <paramref name="sheet"/> or <c>root/CASME2-coding-20140508.xlsx</c>.</summary>
    public static DatabaseScan Load(string root, string? sheet = null)
    {
        root = Path.GetFullPath(root);
        var coding = CodingSheet.Read(sheet ?? Path.Combine(root, SheetFile), Columns);
        var scan = new DatabaseScan.Builder(DatabaseIds.Casme2, root);
        foreach (var row in coding.Rows)
        {
            var where = coding.Where(row);
            var subjectCell = coding.Cell(row, "Subject");
            var filename = coding.Cell(row, "Filename");
            var emotion = coding.Cell(row, "Estimated Emotion");
            var folder = SubjectFolder(subjectCell);
            if (folder is null || filename is null)
            {
                scan.Exclude($"{DatabaseIds.Casme2}/{folder ?? subjectCell ?? "?"}/{filename ?? "?"}",
                    $"{where}: {(folder is null ? $"Subject '{subjectCell}' is not a CASME II subject number" : "no Filename")}");
                continue;
            }
            var annotation = new ClipAnnotation(DatabaseIds.Casme2, folder, filename, emotion ?? "",
                coding.Cell(row, "Action Units"), coding.Cell(row, "OnsetFrame"), coding.Cell(row, "ApexFrame"), coding.Cell(row, "OffsetFrame"), where);
            if (emotion is null)
                scan.Exclude(annotation.SampleId, $"{where}: no Estimated Emotion");
            else
                scan.Add(annotation, Path.Combine(root, folder, filename));
        }
        return scan.Build();
    }

    /// <summary><c>1</c>, <c>01</c> or <c>sub01</c> -> <c>sub01</c>.</summary>
    private static string? SubjectFolder(string? cell)
    {
        var digits = cell?.StartsWith("sub", StringComparison.OrdinalIgnoreCase) == true ? cell[3..] : cell;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? $"sub{n:00}" : null;
    }
}
