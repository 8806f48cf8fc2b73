namespace MerCluster.Server.Tests.Support;

/// <summary>The real CLI (mer.dll, copied beside the tests by the project reference), run as a child process.</summary>
public static class MerCli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "mer.dll");

    public static ChildProcess Start(params string[] arguments) => new("dotnet", [Dll, .. arguments]);

    public static async Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        using var process = Start(arguments);
        var code = await process.WaitAsync(timeout);
        return (code, process.Output);
    }
}
