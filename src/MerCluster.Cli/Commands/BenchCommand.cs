using System.CommandLine;

namespace MerCluster.Cli.Commands;

/// <summary>`mer bench ...`: the speed figures each issue promises, one subcommand per layer, separate from the tests.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Measure speed: print the figures a layer promises (add --json for one JSON object).")
    {
        Bench.TrainBench.Create(),
        Bench.PreprocessBench.Create(),
        Bench.OrchestrationBench.Create(),
        Bench.ChaosBench.Create(),
        Bench.DatasetsBench.Create(),
        Bench.ArtifactsBench.Create(),
        Bench.ModelsBench.Create(),
    };
}
