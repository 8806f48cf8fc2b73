using System.Diagnostics;
using System.Globalization;
using MerCluster.Core.Metrics;

namespace MerCluster.Core.Tests;

/// <summary>Our UF1/UAR against scikit-learn's, computed by Debian's python3-sklearn in a child process.</summary>
public class MetricsAgainstScikitLearnTests
{
    private static readonly string[] Classes = ["negative", "positive", "surprise"];

    private const string Script = """
        import sys, warnings
        from sklearn.metrics import f1_score, recall_score, balanced_accuracy_score
        warnings.simplefilter("ignore")
        for line in sys.stdin:
            truth, pred = line.split(";")
            t = [int(x) for x in truth.split(",")]
            p = [int(x) for x in pred.split(",")]
            print(repr(f1_score(t, p, average="macro")), repr(recall_score(t, p, average="macro")),
                  repr(balanced_accuracy_score(t, p)), set(p) <= set(t))
        """;

    [Fact]
    public void UF1_and_UAR_equal_scikit_learn_macro_scores_on_random_predictions()
    {
        if (!File.Exists("/usr/bin/python3"))
            Assert.Fail("/usr/bin/python3 is missing: scripts/bootstrap installs python3-sklearn for this test");
        var random = new Random(20191);
        // Large sets (every class present, as in the composite) and small ones (classes missing, as in a fold).
        var sets = Enumerable.Range(0, 40).Select(i =>
        {
            var n = i < 20 ? random.Next(50, 450) : random.Next(1, 6);
            return (Truth: Enumerable.Range(0, n).Select(_ => random.Next(3)).ToArray(),
                    Predicted: Enumerable.Range(0, n).Select(_ => random.Next(3)).ToArray());
        }).ToArray();

        var lines = RunPython(string.Concat(sets.Select(s => $"{string.Join(",", s.Truth)};{string.Join(",", s.Predicted)}\n")));

        Assert.Equal(sets.Length, lines.Length);
        var comparedWithRecall = 0;
        for (var i = 0; i < sets.Length; i++)
        {
            var predictions = sets[i].Truth.Select((t, k) =>
                new Prediction($"smic/s1/c{k}", "smic/s1", "smic", Classes[t], Classes[sets[i].Predicted[k]]));
            var ours = ConfusionMatrix.From(predictions, Classes).Scores;
            var theirs = lines[i].Split(' ');
            Assert.Equal(double.Parse(theirs[0], CultureInfo.InvariantCulture), ours.Uf1!.Value, 1e-9);
            Assert.Equal(double.Parse(theirs[2], CultureInfo.InvariantCulture), ours.Uar!.Value, 1e-9);
            // recall_score(macro) also averages classes that are only predicted (as 0); where there are none, it is UAR.
            if (theirs[3] == "True")
            {
                Assert.Equal(double.Parse(theirs[1], CultureInfo.InvariantCulture), ours.Uar!.Value, 1e-9);
                comparedWithRecall++;
            }
        }
        Assert.True(comparedWithRecall >= 20, $"only {comparedWithRecall} sets compared with recall_score");
    }

    private static string[] RunPython(string input)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", Script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        python.StandardInput.Write(input);
        python.StandardInput.Close();
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        Assert.True(python.WaitForExit(60_000), "python3 with sklearn did not finish in 60 s");
        Assert.True(python.ExitCode == 0, $"python3 failed (is python3-sklearn installed?): {stderr.Result}");
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
