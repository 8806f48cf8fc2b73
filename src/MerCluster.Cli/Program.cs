using System.CommandLine;
using MerCluster.Cli.Commands;

var root = new RootCommand("MerCluster: leave-one-subject-out micro-expression experiments, from one laptop to a GPU cluster.")
{
    VersionCommand.Create(),
    BenchCommand.Create(),
    MetricsCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
