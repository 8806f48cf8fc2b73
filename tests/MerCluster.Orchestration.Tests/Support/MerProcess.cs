namespace MerCluster.Orchestration.Tests.Support;

/// <summary>The real `mer` CLI (mer.dll beside the test assembly) run as a child process, with its output collected.</summary>
public static class MerProcess
{
    public static ChildProcess Start(params string[] arguments) =>
        new("dotnet", [Path.Combine(AppContext.BaseDirectory, "mer.dll"), .. arguments]);
}
