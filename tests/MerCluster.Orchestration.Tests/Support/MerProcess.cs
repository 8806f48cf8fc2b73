namespace MerCluster.Orchestration.Tests.Support;

/// <summary>The real `mer` CLI (mer.dll beside the test assembly) run as a child process, with its output collected.</summary>
public static class MerProcess
{
    public static ChildProcess Start(params string[] arguments) =>
        new("dotnet", [Path.Combine(AppContext.BaseDirectory, "mer.dll"), .. arguments]);

    /// <summary>The CLI with <paramref name="environment"/> added to this process's variables (a blob store's connection string).</summary>
    public static ChildProcess StartWith(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        new("dotnet", [Path.Combine(AppContext.BaseDirectory, "mer.dll"), .. arguments], environment);
}
