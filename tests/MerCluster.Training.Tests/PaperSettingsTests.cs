namespace MerCluster.Training.Tests;

public sealed class PaperSettingsTests : IDisposable
{
    private readonly string _file = Path.Combine(Directory.CreateTempSubdirectory("paper-").FullName, "config.yaml");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_file)!, recursive: true);

    [Fact]
    public void A_setting_is_the_papers_unless_its_own_line_says_not_in_the_paper()
    {
        File.WriteAllText(_file, """
            # a header comment: not in the paper
            pipeline: p
            model:
              name: m
              settings:
                dim: 8  # not in the paper: small
                depth: 2  # section 4
                sizes: [1, 2]  # not in the paper
            train:
              epochs: 3
              seed: 1  # Not in the paper
            """);
        var settings = PaperSettings.Read(_file, "");
        Assert.Equal(["model.settings.dim", "model.settings.depth", "model.settings.sizes", "train.epochs", "train.seed"], settings.Select(s => s.Key));
        Assert.Equal([true, false, true, false, true], settings.Select(s => s.NotInPaper));
    }
}
