using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace MerCluster.Server.Tests;

public sealed class ServerCommandTests
{
    [Fact]
    public async Task Mer_server_serves_the_api_with_the_token_from_its_file_and_never_prints_the_token()
    {
        using var directory = new TempDirectory();
        TestFeatures.Build().Write(directory.File("features"));
        const string token = "cli-token-93be1";
        File.WriteAllText(directory.File("token"), token + "\n");
        var port = FreePort.Next();
        using var server = MerCli.Start(null, "server", "--store", directory.SqliteUrl, "--urls", $"http://127.0.0.1:{port}",
            "--token-file", directory.File("token"), "--sweeps-dir", directory.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        SlurmCluster.WaitUntil(() => Ready(http), TimeSpan.FromSeconds(60), $"mer server to answer /readyz\n{server.Output}");

        var sweep = Coordinator.NoopSweep("cli");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("api/sweeps", new StringContent(sweep, Encoding.UTF8, "application/yaml"))).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/sweeps") { Content = new StringContent(sweep, Encoding.UTF8, "application/yaml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(request)).StatusCode);

        Assert.Contains($"coordinator on http://127.0.0.1:{port}", server.Output);
        Assert.DoesNotContain(token, server.Output);
    }

    [Fact]
    public async Task Mer_server_with_a_missing_token_file_exits_naming_it()
    {
        using var directory = new TempDirectory();
        var (code, output) = await MerCli.RunAsync(TimeSpan.FromSeconds(60), null, "server", "--store", directory.SqliteUrl,
            "--urls", "http://127.0.0.1:0", "--token-file", directory.File("no-such-token"));
        Assert.Equal(1, code);
        Assert.Contains(directory.File("no-such-token"), output);
    }

    [Theory]
    [InlineData("server", "--urls", "http://127.0.0.1:0")]
    [InlineData("silo", "--slots", "1")]
    public async Task Kubernetes_hosting_outside_a_pod_exits_naming_the_missing_pod_variable(string command, string option, string value)
    {
        using var directory = new TempDirectory();
        var (code, output) = await MerCli.RunAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["POD_NAME"] = "", ["POD_NAMESPACE"] = "" },
            command, "--store", directory.SqliteUrl, option, value, "--kubernetes");
        Assert.Equal(2, code);
        Assert.Contains("--kubernetes: POD_NAME is not set", output);
    }

    private static bool Ready(HttpClient http)
    {
        try
        {
            return http.GetAsync("readyz").Result.StatusCode == HttpStatusCode.OK;
        }
        catch (AggregateException)
        {
            return false;
        }
    }
}
