namespace MerCluster.Server.Tests.Support;

/// <summary>Debian's promtool: checks expositions, configs and rule files the way Prometheus itself reads them.</summary>
public static class Promtool
{
    private const string Binary = "/usr/bin/promtool";

    /// <summary>Runs promtool with <paramref name="stdin"/> piped in; returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string? stdin, params string[] arguments)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install Debian's prometheus package (scripts/bootstrap)");
        var info = new System.Diagnostics.ProcessStartInfo(Binary) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return (process.ExitCode, await output + await error);
    }
}
