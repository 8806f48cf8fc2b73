using System.Text;

namespace MerCluster.Core.Metrics;

/// <summary>
/// The predictions file <c>mer metrics</c> reads and reports export: a header naming the columns
/// <c>sample_id,subject,database,label,predicted</c> (in any order; other columns are ignored), one prediction a row,
/// fields quoted as in RFC 4180 when they need it. Every problem is an <see cref="InvalidDataException"/> whose
/// message starts with <c>FILE:LINE:COLUMN</c> (1-based; the column is the field's position) and names the column.
/// </summary>
public static class PredictionsCsv
{
    public static readonly IReadOnlyList<string> Columns = ["sample_id", "subject", "database", "label", "predicted"];

    /// <param name="databases">When given, the only database ids accepted (a typo is an error, not a new part).</param>
    public static IReadOnlyList<Prediction> Parse(TextReader reader, string source, IReadOnlyCollection<string>? databases = null)
    {
        var headerLine = reader.ReadLine()
            ?? throw new InvalidDataException($"{source}:1:1: the file is empty; expected the header {string.Join(",", Columns)}");
        var header = Split(headerLine, source, 1);
        var at = new int[Columns.Count];
        for (var c = 0; c < Columns.Count; c++)
        {
            at[c] = header.FindIndex(h => h.Trim() == Columns[c]);
            if (at[c] < 0)
                throw new InvalidDataException($"{source}:1:1: the header has no column '{Columns[c]}' (found: {string.Join(",", header)})");
        }

        var predictions = new List<Prediction>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Trim().Length == 0)
                continue;
            var fields = Split(line, source, lineNumber);
            if (fields.Count != header.Count)
                throw new InvalidDataException(
                    $"{source}:{lineNumber}:{Math.Min(fields.Count, header.Count) + 1}: expected {header.Count} fields as in the header, found {fields.Count}");
            var values = new string[Columns.Count];
            for (var c = 0; c < Columns.Count; c++)
            {
                values[c] = fields[at[c]].Trim();
                if (values[c].Length == 0)
                    throw Error(source, lineNumber, at[c], Columns[c], "empty value");
            }
            var (sampleId, subject, database, label, predicted) = (values[0], values[1], values[2], values[3], values[4]);
            if (databases is not null && !databases.Contains(database))
                throw Error(source, lineNumber, at[2], "database", $"'{database}' is not one of {string.Join(", ", databases)}");
            if (!subject.StartsWith(database + "/", StringComparison.Ordinal))
                throw Error(source, lineNumber, at[1], "subject", $"'{subject}' does not start with its database '{database}/'");
            if (!sampleId.StartsWith(subject + "/", StringComparison.Ordinal))
                throw Error(source, lineNumber, at[0], "sample_id", $"'{sampleId}' does not start with its subject '{subject}/'");
            if (!firstLine.TryAdd(sampleId, lineNumber))
                throw Error(source, lineNumber, at[0], "sample_id", $"'{sampleId}' is already predicted on line {firstLine[sampleId]}");
            predictions.Add(new Prediction(sampleId, subject, database, label, predicted));
        }
        return predictions;
    }

    public static void Write(TextWriter writer, IEnumerable<Prediction> predictions)
    {
        writer.Write(string.Join(",", Columns));
        writer.Write('\n');
        foreach (var p in predictions)
        {
            writer.Write(string.Join(",", new[] { p.SampleId, p.Subject, p.Database, p.Label, p.Predicted }.Select(Quote)));
            writer.Write('\n');
        }
    }

    private static InvalidDataException Error(string source, int line, int field, string column, string problem) =>
        new($"{source}:{line}:{field + 1}: column '{column}': {problem}");

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : $"\"{field.Replace("\"", "\"\"")}\"";

    private static List<string> Split(string line, string source, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                var start = i++;
                while (true)
                {
                    if (i >= line.Length)
                        throw new InvalidDataException($"{source}:{lineNumber}:{fields.Count + 1}: unclosed quote (opened at character {start + 1})");
                    if (line[i] == '"' && i + 1 < line.Length && line[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                    }
                    else if (line[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                        field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',')
                    throw new InvalidDataException($"{source}:{lineNumber}:{fields.Count + 1}: text after a closing quote");
            }
            else
                while (i < line.Length && line[i] != ',')
                    field.Append(line[i++]);
            fields.Add(field.ToString());
            field.Clear();
            if (i >= line.Length)
                return fields;
            i++;
        }
    }
}
