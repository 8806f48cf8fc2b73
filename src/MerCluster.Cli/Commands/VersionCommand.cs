using System.CommandLine;
using MerCluster.Training;
using MerCluster.Vision;

namespace MerCluster.Cli.Commands;

/// <summary>`mer version`: the managed and native versions, a quick check that the native core loads.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the versions of MerCluster and its native core.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"mer {typeof(VersionCommand).Assembly.GetName().Version}");
            Console.WriteLine(VisionCore.Version);
            Console.WriteLine(TrainingCore.Version);
        });
        return command;
    }
}
