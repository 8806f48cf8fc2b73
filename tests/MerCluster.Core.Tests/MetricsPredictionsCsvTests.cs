using MerCluster.Core.Metrics;

namespace MerCluster.Core.Tests;

public class MetricsPredictionsCsvTests
{
    private static IReadOnlyList<Prediction> Parse(string text) =>
        PredictionsCsv.Parse(new StringReader(text), "preds.csv", ["smic", "casme2", "samm"]);

    [Fact]
    public void Columns_are_found_by_header_name_in_any_order_and_quoted_fields_are_read()
    {
        var rows = Parse("predicted,label,extra,database,subject,sample_id\r\npositive,negative,\"x, y\",samm,samm/006,samm/006/006_1_2\r\n\n");

        Assert.Equal([new Prediction("samm/006/006_1_2", "samm/006", "samm", "negative", "positive")], rows);
    }

    [Fact]
    public void Written_predictions_read_back_equal()
    {
        Prediction[] rows = [new("casme2/sub01/EP02_01f", "casme2/sub01", "casme2", "positive", "surprise")];
        var text = new StringWriter();
        PredictionsCsv.Write(text, rows);

        Assert.Equal(rows, Parse(text.ToString()));
    }

    [Theory]
    [InlineData("sample_id,subject,database,label\n", "preds.csv:1:1", "'predicted'")]
    [InlineData("sample_id,subject,database,label,predicted\nsmic/s1/a,smic/s1,smic,negative\n", "preds.csv:2:5", "expected 5 fields")]
    [InlineData("sample_id,subject,database,label,predicted\nsmic/s1/a,smic/s1,smic,,negative\n", "preds.csv:2:4", "'label': empty")]
    [InlineData("sample_id,subject,database,label,predicted\nsmic/s1/a,smic/s1,smc,negative,negative\n", "preds.csv:2:3", "'database'")]
    [InlineData("sample_id,subject,database,label,predicted\nsmic/s1/a,casme2/s1,smic,negative,negative\n", "preds.csv:2:2", "'subject'")]
    [InlineData("sample_id,subject,database,label,predicted\na,smic/s1,smic,negative,negative\n", "preds.csv:2:1", "'sample_id'")]
    [InlineData("sample_id,subject,database,label,predicted\nsmic/s1/a,smic/s1,smic,negative,negative\n\nsmic/s1/a,smic/s1,smic,negative,positive\n", "preds.csv:4:1", "line 2")]
    [InlineData("sample_id,subject,database,label,predicted\nsmic/s1/a,smic/s1,\"smic,negative,negative\n", "preds.csv:2:3", "unclosed quote")]
    public void Errors_name_the_file_line_and_column(string text, string where, string problem)
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(text));

        Assert.StartsWith(where, e.Message);
        Assert.Contains(problem, e.Message);
    }
}
