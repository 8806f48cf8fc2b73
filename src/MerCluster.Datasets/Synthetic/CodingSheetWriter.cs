using MerCluster.Datasets.Loaders;

namespace MerCluster.Datasets.Synthetic;

/// <summary>Writes coding sheets laid out as the distributed ones are, for the generator and for test fixtures.</summary>
public static class CodingSheetWriter
{
    /// <summary>CASME2-coding-20140508.xlsx: header on the first row, unnamed empty columns between some named ones.</summary>
    public static void WriteCasme2(string path, IEnumerable<SheetEntry> entries)
    {
        IReadOnlyList<object?> header = ["Subject", "Filename", null, "OnsetFrame", "ApexFrame", "OffsetFrame", null, "Action Units", "Estimated Emotion"];
        var rows = entries.Select(e => (IReadOnlyList<object?>)[e.Subject, e.Filename, null, e.Onset, e.Apex, e.Offset, null, e.ActionUnits, e.Emotion]);
        XlsxWriter.Write(path, "Sheet1", rows.Prepend(header));
    }

    /// <summary>SAMM_Micro_FACS_Codes_v2.xlsx: free-text preamble rows, then the table.</summary>
    public static void WriteSamm(string path, IEnumerable<SheetEntry> entries)
    {
        IReadOnlyList<object?>[] preamble =
        [
            ["SAMM - Spontaneous Actions and Micro-Movements: micro-movement FACS codes (version 2)"],
            ["Frame numbers are absolute; Apex may be missing where the coders could not agree."],
            [],
            [null, "Coder notes: 'or' in an AU cell gives alternatives."],
        ];
        var rows = entries.Select(e => (IReadOnlyList<object?>)
        [
            e.Subject, e.Filename, e.Filename.Split('_').ElementAtOrDefault(1) ?? "1", e.Onset, e.Apex, e.Offset,
            e.Onset is int on && e.Offset is int off && off > 0 ? off - on + 1 : null, "Micro - 1/2", e.ActionUnits, null, e.Emotion,
        ]);
        XlsxWriter.Write(path, "MICRO_ONLY", preamble.Append([.. SammLoader.Columns]).Concat(rows));
    }
}
