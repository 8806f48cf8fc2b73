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

    /// <summary>
    /// `promtool check metrics` on a text exposition: fails the test unless promtool parses it (exit 0, or 3 for lint
    /// problems only); returns the lint problems, one line each ("name problem").
    /// </summary>
    public static async Task<IReadOnlyList<string>> LintAsync(string exposition)
    {
        var (code, output) = await RunAsync(exposition, "check", "metrics");
        Assert.True(code is 0 or 3, $"promtool check metrics exited {code}: {output}\n{exposition}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
