using System.Globalization;
using System.Text;
using ExcelDataReader;

namespace MerCluster.Datasets.Loaders;

/// <summary>
/// A coding spreadsheet read as text cells. The header row is searched for (SAMM puts a free-text preamble above it,
/// CASME II leaves unnamed empty columns between named ones), so columns are found by name, never by position.
/// </summary>
internal sealed class CodingSheet
{
    static CodingSheet() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private readonly Dictionary<string, int> _columns;

    private CodingSheet(string path, Dictionary<string, int> columns, IReadOnlyList<SheetRow> rows)
    {
        Path = path;
        _columns = columns;
        Rows = rows;
    }

    public string Path { get; }

    /// <summary>The rows below the header that have at least one non-empty cell.</summary>
    public IReadOnlyList<SheetRow> Rows { get; }

    /// <summary>Reads the first worksheet of <paramref name="path"/> and finds the row naming every one of <paramref name="requiredColumns"/>.</summary>
    public static CodingSheet Read(string path, IReadOnlyList<string> requiredColumns)
    {
        if (!File.Exists(path))
            throw new DatasetException($"coding sheet {path} is missing");
        List<string?[]> cells;
        try
        {
            using var stream = File.Open(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var reader = ExcelReaderFactory.CreateReader(stream);
            cells = [];
            while (reader.Read())
            {
                var row = new string?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                    row[i] = Text(reader.GetValue(i));
                cells.Add(row);
            }
        }
        catch (Exception e) when (e is not DatasetException)
        {
            throw new DatasetException($"coding sheet {path} cannot be read: {e.Message}", e);
        }

        for (var r = 0; r < cells.Count; r++)
        {
            var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var c = 0; c < cells[r].Length; c++)
                if (cells[r][c] is { } name)
                    columns.TryAdd(name, c);
            if (!requiredColumns.All(columns.ContainsKey))
                continue;
            var rows = new List<SheetRow>();
            for (var below = r + 1; below < cells.Count; below++)
                if (cells[below].Any(v => v is not null))
                    rows.Add(new SheetRow(cells[below], below + 1));
            return new CodingSheet(path, columns, rows);
        }
        throw new DatasetException($"coding sheet {path}: no header row naming all of {string.Join(", ", requiredColumns.Select(c => $"'{c}'"))}");
    }

    /// <summary>The trimmed text of <paramref name="column"/> in <paramref name="row"/>, or null when the cell is empty.</summary>
    public string? Cell(SheetRow row, string column) =>
        _columns.TryGetValue(column, out var index) && index < row.Cells.Length ? row.Cells[index] : null;

    /// <summary>Where a row is, for messages: <c>CASME2-coding-20140508.xlsx row 12</c>.</summary>
    public string Where(SheetRow row) => $"{System.IO.Path.GetFileName(Path)} row {row.Number}";

    private static string? Text(object? value)
    {
        var text = value switch
        {
            null => null,
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        text = text?.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }
}

/// <summary>One spreadsheet row: its cells as text and its 1-based row number in the sheet.</summary>
internal sealed record SheetRow(string?[] Cells, int Number);
