using MerCluster.Orchestration.Tests.Support;
using System.Net.Http.Json;
using System.Text.Json;

namespace MerCluster.Server.Tests.Support;

/// <summary>
/// A real Prometheus (Debian's package) on a free loopback port with its own config and data directory, scraping the
/// given targets every second; killed and deleted when disposed.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private const string Binary = "/usr/bin/prometheus";
    private readonly TempDirectory _directory = new();
    private readonly ChildProcess _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public PrometheusServer(IReadOnlyDictionary<string, string> jobTargets)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install Debian's prometheus package (scripts/bootstrap)");
        var config = Path.Combine(_directory.Path, "prometheus.yml");
        var jobs = string.Join("", jobTargets.Select(job => $"""
              - job_name: {job.Key}
                static_configs:
                  - targets: ['{job.Value}']

            """));
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
            {jobs}
            """);
        Port = FreePort.Next();
        _process = new ChildProcess(Binary,
        [
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_directory.Path, "data")}",
            $"--web.listen-address=127.0.0.1:{Port}", "--log.level=warn",
        ]);
        _http.BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
    }

    public int Port { get; }

    /// <summary>Polls an instant query until <paramref name="accept"/> holds for its result vector, or fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitForAsync(string query, Func<JsonElement, bool> accept, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{_process.Output}");
            try
            {
                var answer = await _http.GetFromJsonAsync<JsonElement>("api/v1/query?query=" + Uri.EscapeDataString(query));
                var result = answer.GetProperty("data").GetProperty("result");
                last = result.ToString();
                if (accept(result))
                    return result;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"query {query} did not give the expected result within {timeout.TotalSeconds} s; last: {last}\n{_process.Output}");
    }

    /// <summary>The scrape targets' health as Prometheus sees it (job -> "up"/"down").</summary>
    public async Task<Dictionary<string, string>> TargetHealthAsync()
    {
        var answer = await _http.GetFromJsonAsync<JsonElement>("api/v1/targets");
        return answer.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .ToDictionary(t => t.GetProperty("labels").GetProperty("job").GetString()!, t => t.GetProperty("health").GetString()!);
    }

    public void Dispose()
    {
        _process.Dispose();
        _http.Dispose();
        _directory.Dispose();
    }
}
