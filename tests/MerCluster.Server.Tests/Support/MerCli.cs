using MerCluster.Orchestration.Tests.Support;
namespace MerCluster.Server.Tests.Support;

/// <summary>The real CLI (mer.dll, copied beside the tests by the project reference), run as a child process.</summary>
public static class MerCli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "mer.dll");

    /// <summary>The command line that runs the CLI, as a Slurm script or a shell would write it.</summary>
    public static string CommandLine => $"dotnet {Dll}";

    public static ChildProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        new("dotnet", [Dll, .. arguments], environment);

    public static async Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = Start(environment, arguments);
        var code = await process.WaitAsync(timeout);
        return (code, process.Output);
    }
}
