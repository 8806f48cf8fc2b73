using MerCluster.Core;
using System.Globalization;

namespace MerCluster.Datasets.Loaders;

/// <summary>
/// SAMM as distributed: <c>&lt;root&gt;/{Subject:000}/{Filename}/{Subject:000}_{frame:00000}.jpg</c> and
/// <c>SAMM_Micro_FACS_Codes_v2.xlsx</c>, whose table starts below a free-text preamble.
/// </summary>
public static class SammLoader
{
    public const string SheetFile = "SAMM_Micro_FACS_Codes_v2.xlsx";

    /// <summary>Every value of the sheet's <c>Estimated Emotion</c> column.</summary>
    public static readonly IReadOnlyList<string> Emotions = ["Anger", "Contempt", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other"];

    public static readonly IReadOnlyList<string> Columns =
        ["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame", "Offset Frame", "Duration", "Type", "Action Units", "Notes", "Estimated Emotion"];

    /// <summary>Reads the tree under <paramref name="root"/>; the sheet is <paramref name="sheet"/> or <c>root/SAMM_Micro_FACS_Codes_v2.xlsx</c>.</summary>
    public static DatabaseScan Load(string root, string? sheet = null)
    {
        root = Path.GetFullPath(root);
        var coding = CodingSheet.Read(sheet ?? Path.Combine(root, SheetFile), ["Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame", "Action Units", "Estimated Emotion"]);
        var scan = new DatabaseScan.Builder(DatabaseIds.Samm, root);
        foreach (var row in coding.Rows)
        {
            var where = coding.Where(row);
            var subjectCell = coding.Cell(row, "Subject");
            var filename = coding.Cell(row, "Filename");
            var emotion = coding.Cell(row, "Estimated Emotion");
            var folder = int.TryParse(subjectCell, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? $"{n:000}" : null;
            if (folder is null || filename is null)
            {
                scan.Exclude($"{DatabaseIds.Samm}/{folder ?? subjectCell ?? "?"}/{filename ?? "?"}",
                    $"{where}: {(folder is null ? $"Subject '{subjectCell}' is not a SAMM subject number" : "no Filename")}");
                continue;
            }
            var annotation = new ClipAnnotation(DatabaseIds.Samm, folder, filename, emotion ?? "",
                coding.Cell(row, "Action Units"), coding.Cell(row, "Onset Frame"), coding.Cell(row, "Apex Frame"), coding.Cell(row, "Offset Frame"), where);
            if (emotion is null)
                scan.Exclude(annotation.SampleId, $"{where}: no Estimated Emotion");
            else
                scan.Add(annotation, Path.Combine(root, folder, filename));
        }
        return scan.Build();
    }
}
