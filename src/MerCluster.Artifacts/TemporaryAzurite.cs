using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using MerCluster.Core;

namespace MerCluster.Artifacts;

/// <summary>
/// A throwaway Azurite blob service (the Azure Storage emulator) on loopback for the tests and `mer bench artifacts`:
/// <c>azurite-blob</c> as installed by scripts/bootstrap under <c>build/azurite</c>, on a free port with its data in a
/// temporary directory; on dispose the process is killed and the directory deleted. It serves the well-known
/// development account, whose key is public.
/// </summary>
public sealed class TemporaryAzurite : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly string _location;

    private TemporaryAzurite(Process process, string location, int port)
    {
        _process = process;
        _location = location;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => ConnectionStringWith(AccountKey);

    /// <summary>A connection string to this server that signs with <paramref name="accountKey"/> (a wrong one, for tests).</summary>
    public string ConnectionStringWith(string accountKey) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={accountKey};BlobEndpoint=http://127.0.0.1:{Port}/{AccountName};";

    /// <summary>azurite-blob as scripts/bootstrap installs it.</summary>
    public static string Executable => Path.Combine(RepositoryPaths.Root, "build", "azurite", "node_modules", ".bin", "azurite-blob");

    public static async Task<TemporaryAzurite> StartAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"Azurite is not installed ({Executable} is missing): run scripts/bootstrap");
        var location = Directory.CreateTempSubdirectory("mer-azurite-").FullName;
        var port = FreePort();
        var info = new ProcessStartInfo(Executable)
        {
            ArgumentList = { "--blobHost", "127.0.0.1", "--blobPort", port.ToString(), "--location", location, "--silent", "--disableTelemetry" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = location,
        };
        var process = Process.Start(info)!;
        var server = new TemporaryAzurite(process, location, port);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartDeadline);
        try
        {
            // Azurite says when it listens; everything it prints before that is kept for the error.
            var said = new List<string>();
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                said.Add(line);
                if (line.Contains("successfully listens", StringComparison.Ordinal))
                {
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return server;
                }
            }
            await process.WaitForExitAsync(deadline.Token);
            throw new InvalidOperationException(
                $"{Executable} exited with {process.ExitCode} before listening on port {port}: {string.Join('\n', said)}{await errors}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await server.DisposeAsync();
            throw new TimeoutException($"{Executable} did not listen on port {port} within {StartDeadline.TotalSeconds:0} s");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new, empty container; returns its name.</summary>
    public string CreateContainer(string? name = null)
    {
        name ??= $"mer-{Guid.NewGuid():N}";
        new BlobServiceClient(ConnectionString, new BlobClientOptions(BlobArtifactStore.PinnedServiceVersion))
            .GetBlobContainerClient(name).Create();
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_location, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
