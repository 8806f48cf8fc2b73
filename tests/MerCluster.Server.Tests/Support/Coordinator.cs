using System.Net.Http.Headers;
using System.Text;

namespace MerCluster.Server.Tests.Support;

/// <summary>
/// A running coordinator for a test: a temporary directory holding a small feature set and the SQLite store, the
/// server on a free loopback port with the API token <see cref="Token"/>, and an HTTP client for it.
/// </summary>
public sealed class Coordinator : IAsyncDisposable
{
    public const string Token = "test-token-7f3a";

    private Coordinator(TempDirectory directory, CoordinatorServer server)
    {
        Directory = directory;
        Server = server;
        Url = server.Urls[0];
        Http = new HttpClient { BaseAddress = new Uri(Url + "/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public TempDirectory Directory { get; }

    public CoordinatorServer Server { get; }

    public string Url { get; }

    public string StoreUrl => Directory.SqliteUrl;

    public HttpClient Http { get; }

    public static async Task<Coordinator> StartAsync()
    {
        var directory = new TempDirectory();
        TestFeatures.Build().Write(directory.File("features"));
        var server = await CoordinatorServer.StartAsync(new ServerOptions
        {
            StoreUrl = directory.SqliteUrl,
            Urls = "http://127.0.0.1:0",
            Token = ApiToken.FromValue(Token),
            SweepsDirectory = directory.Path,
        });
        return new Coordinator(directory, server);
    }

    /// <summary>A no-op sweep over the feature set: every fold "predicts" the true labels, so every UF1 is 1.</summary>
    public static string NoopSweep(string name, string extra = "", string model = "{name: noop}") => $"""
        name: {name}
        features: features
        model: {model}
        {extra}
        """;

    public Task<HttpResponseMessage> PostSweepAsync(string yaml, string? token = Token) =>
        SendAsync(HttpMethod.Post, "api/sweeps", token, new StringContent(yaml, Encoding.UTF8, "application/yaml"));

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Directory.Dispose();
    }
}
