using System.Globalization;
using System.IO.Compression;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Writes a one-worksheet .xlsx, byte-identical for identical rows: the generator's coding sheets and the tests'
/// hand-built fixtures. A null cell is left out (so a row can have unnamed empty columns, as CASME II's has).
/// </summary>
public static class XlsxWriter
{
    // Zip entries carry a time stamp; a fixed one keeps equal sheets equal byte for byte.
    private static readonly DateTimeOffset Stamp = new(2014, 5, 8, 0, 0, 0, TimeSpan.Zero);

    public static void Write(string path, string sheetName, IEnumerable<IReadOnlyList<object?>> rows)
    {
        using var package = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(package, SpreadsheetDocumentType.Workbook))
        {
            // Explicit relationship ids: generated ones are random, and so would the bytes be.
            var workbook = document.AddNewPart<WorkbookPart>("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "rId1");
            workbook.Workbook = new Workbook();
            var worksheet = workbook.AddNewPart<WorksheetPart>("rId1");
            var data = new SheetData();
            var rowIndex = 0u;
            foreach (var values in rows)
            {
                rowIndex++;
                var row = new Row { RowIndex = rowIndex };
                for (var c = 0; c < values.Count; c++)
                    if (values[c] is { } value)
                        row.Append(CellOf(value, $"{Column(c)}{rowIndex}"));
                data.Append(row);
            }
            worksheet.Worksheet = new Worksheet(data);
            workbook.Workbook.AppendChild(new Sheets(new Sheet { Id = "rId1", SheetId = 1, Name = sheetName }));
        }
        Normalise(package, path);
    }

    private static Cell CellOf(object value, string reference) => value switch
    {
        string s => new Cell { CellReference = reference, DataType = CellValues.InlineString, InlineString = new InlineString(new Text(s)) },
        int or long or double or float => new Cell
        {
            CellReference = reference,
            DataType = CellValues.Number,
            CellValue = new CellValue(Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)),
        },
        _ => throw new ArgumentException($"cell {reference}: cannot write a {value.GetType().Name}"),
    };

    /// <summary>0 -> A, 25 -> Z, 26 -> AA.</summary>
    private static string Column(int index)
    {
        var name = "";
        for (index++; index > 0; index = (index - 1) / 26)
            name = (char)('A' + (index - 1) % 26) + name;
        return name;
    }

    /// <summary>Copies the package's entries in order with a fixed time stamp.</summary>
    private static void Normalise(MemoryStream package, string path)
    {
        package.Position = 0;
        using var source = new ZipArchive(package, ZipArchiveMode.Read);
        using var file = File.Create(path);
        using var target = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var entry in source.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            var copy = target.CreateEntry(entry.FullName, CompressionLevel.Optimal);
            copy.LastWriteTime = Stamp;
            using var from = entry.Open();
            using var to = copy.Open();
            from.CopyTo(to);
        }
    }
}
