using System.Text.Json;
using MerCluster.Core.Metrics;
using MerCluster.Orchestration.Tests.Support;

namespace MerCluster.Orchestration.Tests;

/// <summary>`mer metrics`, the report of a predictions file, run as the real CLI.</summary>
public class ReportMetricsCommandTests
{
    private const string Csv = """
        sample_id,subject,database,label,predicted
        smic/s1/a,smic/s1,smic,negative,negative
        smic/s1/b,smic/s1,smic,positive,negative
        smic/s2/c,smic/s2,smic,surprise,surprise
        casme2/sub01/d,casme2/sub01,casme2,negative,positive
        casme2/sub01/e,casme2/sub01,casme2,positive,positive
        samm/006/f,samm/006,samm,surprise,negative
        """;

    [Fact]
    public async Task Json_output_has_the_pooled_scores_overall_and_per_database()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("predictions.csv"), Csv);

        using var mer = MerProcess.Start("metrics", "--predictions", dir.File("predictions.csv"), "--json");

        Assert.Equal(0, await mer.WaitAsync(TimeSpan.FromSeconds(60)));
        using var json = JsonDocument.Parse(mer.Output);
        var overall = json.RootElement.GetProperty("overall");
        // negative TP1 FP2 FN1 -> 2/5; positive TP1 FP1 FN1 -> 1/2; surprise TP1 FN1 -> 2/3.
        Assert.Equal((0.4 + 0.5 + 2.0 / 3) / 3, overall.GetProperty("uf1").GetDouble(), 12);
        Assert.Equal(0.5, overall.GetProperty("uar").GetDouble(), 12);
        Assert.Equal(0.5, overall.GetProperty("acc").GetDouble(), 12);
        Assert.Equal(6, overall.GetProperty("n").GetInt32());
        Assert.Equal(["smic", "casme2", "samm"], json.RootElement.GetProperty("parts").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, json.RootElement.GetProperty("parts").GetProperty("casme2").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task A_bad_row_fails_with_the_file_line_and_column()
    {
        using var dir = new TempDirectory();
        var path = dir.File("predictions.csv");
        File.WriteAllText(path, Csv + "\n\nsamm/007/x,samm/007,samm,,negative\n");

        using var mer = MerProcess.Start("metrics", "--predictions", path);

        Assert.Equal(1, await mer.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"{path}:9:4: column 'label': empty value", mer.Output);
    }
}
