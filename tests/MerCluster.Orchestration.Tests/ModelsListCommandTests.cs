using System.Text.Json;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Training;

namespace MerCluster.Orchestration.Tests;

public sealed class ModelsListCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Models_list_json_says_per_model_which_paper_config_settings_come_from_the_paper()
    {
        using var list = MerProcess.Start("models", "list", "--json");
        Assert.True(await list.WaitAsync(Timeout) == 0, list.Output);
        // The output is the JSON array alone (stderr, merged into Output, stays empty on success).
        var output = list.Output.Trim();
        using var json = JsonDocument.Parse(output);
        var models = json.RootElement.EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Superset(new HashSet<string> { "ststnet", "mjfn", "msmmt", "mobilevit_svm", "mfvan", "frl_dgt" }, models.Keys.ToHashSet());
        foreach (var (name, model) in models)
        {
            Assert.True(model.GetProperty("settings").EnumerateObject().Any(), name);
            if (!model.TryGetProperty("paper_config", out _))
                continue;
            var fromPaper = model.GetProperty("from_paper").EnumerateArray().Select(k => k.GetString()!).ToList();
            var notInPaper = model.GetProperty("not_in_paper").EnumerateArray().Select(k => k.GetString()!).ToList();
            // Every key of the config and its pipeline is in exactly one list.
            var paper = PaperSettings.Of(name)!;
            var keys = PaperSettings.Read(paper.Config, "").Concat(PaperSettings.Read(paper.PipelineConfig!, "pipeline.")).Select(s => s.Key).ToList();
            Assert.Equal(keys.Order(), fromPaper.Concat(notInPaper).Order());
            Assert.Empty(fromPaper.Intersect(notInPaper));
            Assert.Contains(fromPaper, k => k.StartsWith("pipeline.", StringComparison.Ordinal));
            // No paper gives a seed, a thread count or a device: a complete config marks them.
            Assert.True(new[] { "train.seed", "train.threads", "train.device" }.All(notInPaper.Contains), $"{name}: not_in_paper is [{string.Join(", ", notInPaper)}]");
        }
        var mobilevit = models["mobilevit_svm"];
        Assert.Contains("model.settings.unfreeze_every", mobilevit.GetProperty("not_in_paper").EnumerateArray().Select(k => k.GetString()));
        Assert.Contains("model.settings.l2", mobilevit.GetProperty("from_paper").EnumerateArray().Select(k => k.GetString()));
    }
}
