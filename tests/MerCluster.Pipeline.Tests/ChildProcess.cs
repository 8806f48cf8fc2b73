using System.Diagnostics;

namespace MerCluster.Pipeline.Tests;

/// <summary>Runs <see cref="CacheProbe"/> in a real separate process, from this very test assembly.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public static ChildProcess StartProbe(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(CacheProbe).Assembly.Location);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        return new ChildProcess(Process.Start(info)!);
    }

    /// <summary>The child's next line of output, failing the test (with its stderr) if it ends first or takes too long.</summary>
    public string ReadLine(TimeSpan timeout)
    {
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(timeout) || line.Result is null)
            throw new InvalidOperationException($"probe said nothing within {timeout}; stderr: {(_process.HasExited ? _process.StandardError.ReadToEnd() : "(still running)")}");
        return line.Result;
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            throw new TimeoutException($"probe {_process.Id} did not exit within {timeout}");
        return _process.ExitCode;
    }

    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            Kill();
        _process.Dispose();
    }
}
