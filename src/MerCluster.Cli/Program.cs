using System.CommandLine;
using MerCluster.Cli.Commands;

var root = new RootCommand("MerCluster: leave-one-subject-out micro-expression experiments, from one laptop to a GPU cluster.")
{
    VersionCommand.Create(),
    PreprocessCommand.Create(),
    BenchCommand.Create(),
    DatasetsCommand.Create(),
    TrainCommand.Create(),
    PredictCommand.Create(),
    ModelsCommand.Create(),
    MetricsCommand.Create(),
    ServerCommand.Create(),
    SlurmCommand.Create(),
    SweepCommand.Create(),
    SiloCommand.Create(),
    StatusCommand.Create(),
    ReportCommand.Create(),
    DemoCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
