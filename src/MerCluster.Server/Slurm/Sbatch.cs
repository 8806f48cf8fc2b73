using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MerCluster.Server.Slurm;

/// <summary>Submits a batch script with sbatch and returns the job id it printed.</summary>
public static partial class Sbatch
{
    public static async Task<string> SubmitAsync(string scriptPath, string sbatch = "sbatch", IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(sbatch) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--parsable");
        info.ArgumentList.Add(scriptPath);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {sbatch} ({e.Message}): is Slurm installed on this host?", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{sbatch} {scriptPath} exited with {process.ExitCode}: {(await error).Trim()}");
            var match = JobId().Match(await output);
            return match.Success ? match.Value : throw new InvalidOperationException($"{sbatch} printed no job id: {(await output).Trim()}");
        }
    }

    [GeneratedRegex(@"^\d+")]
    private static partial Regex JobId();
}
