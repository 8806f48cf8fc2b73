using System.CommandLine;
using MerCluster.Orchestration.Store;
using MerCluster.Server;

namespace MerCluster.Cli.Commands;

/// <summary>`mer server --store URL [--urls URLS] [--token-file FILE] [--sweeps-dir DIR]`: the coordinator's results pages, web API and /metrics.</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Coordination store URL: sqlite:PATH or postgres://user@host:port/database.", DefaultValueFactory = _ => StoreLocation.DefaultUrl };
        var urls = new Option<string>("--urls") { Description = "Where to listen, ';'-separated (port 0: any free port).", DefaultValueFactory = _ => ServerOptions.DefaultUrls };
        var tokenFile = new Option<FileInfo?>("--token-file") { Description = $"File whose first line is the API token for submitting and cancelling sweeps (else ${ApiToken.EnvironmentVariable}; without either, changes are disabled)." };
        var sweepsDir = new Option<DirectoryInfo?>("--sweeps-dir") { Description = "Directory that relative paths in submitted sweeps resolve against (default: the current directory)." };
        var kubernetes = new Option<bool>("--kubernetes") { Description = "Running in a Kubernetes pod beside `mer silo --kubernetes` silos: the coordinator's silo is named after POD_NAME (needs POD_NAME and POD_NAMESPACE, and a Role to get, list and watch pods)." };
        var command = new Command("server", "Run the coordinator: results pages for browsers at /, JSON API over the store (sweeps, trials, folds, silos), sweep submission, /metrics, /healthz, /readyz.")
        {
            store,
            urls,
            tokenFile,
            sweepsDir,
            kubernetes,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new ServerOptions
        {
            StoreUrl = parse.GetValue(store)!,
            Urls = parse.GetValue(urls)!,
            SweepsDirectory = parse.GetValue(sweepsDir)?.FullName ?? Directory.GetCurrentDirectory(),
            Kubernetes = parse.GetValue(kubernetes),
        }, parse.GetValue(tokenFile), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ServerOptions options, FileInfo? tokenFile, CancellationToken stopping)
    {
        if (options.Kubernetes && new[] { "POD_NAME", "POD_NAMESPACE" }.FirstOrDefault(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))) is { } unset)
        {
            Console.Error.WriteLine($"--kubernetes: {unset} is not set; give the pod POD_NAME and POD_NAMESPACE from the downward API (fieldRef metadata.name, metadata.namespace)");
            return 2;
        }
        CoordinatorServer server;
        try
        {
            options = options with { Token = ApiToken.Load(tokenFile?.FullName) };
            server = await CoordinatorServer.StartAsync(options, cancellationToken: stopping);
        }
        catch (Exception e) when (e is StoreException or ArgumentException or IOException or InvalidDataException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        await using (server)
        {
            Console.WriteLine($"coordinator on {string.Join(", ", server.Urls)} serving {StoreLocation.Parse(options.StoreUrl)}" +
                (options.Token is null ? " (no API token: submitting and cancelling are disabled)" : ""));
            await server.WaitAsync(stopping);
        }
        return 0;
    }
}
