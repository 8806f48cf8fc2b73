using System.Diagnostics;
using System.Text;

namespace MerCluster.Orchestration.Tests.Support;

/// <summary>The real `mer` CLI (mer.dll beside the test assembly) run as a child process, with its output collected.</summary>
public sealed class MerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private MerProcess(Process process)
    {
        _process = process;
    }

    public static MerProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mer.dll"));
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        var process = new Process { StartInfo = info };
        var mer = new MerProcess(process);
        process.OutputDataReceived += (_, e) => mer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => mer.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return mer;
    }

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>Waits for the exit; a process still running after <paramref name="timeout"/> is killed and the test fails with its output.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mer did not exit within {timeout.TotalSeconds} s; output:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
