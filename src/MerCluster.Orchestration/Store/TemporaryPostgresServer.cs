using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// A throwaway PostgreSQL 15 server on loopback for the tests and `mer bench orchestration`: initdb into a temporary
/// directory, pg_ctl start on a free port, and on dispose an immediate stop and the directory deleted. Outage tests and
/// `mer bench chaos --store-outage` stop it at once (<see cref="StopAsync"/>, as a crash would) and start it again on
/// the same port and data (<see cref="RestartAsync"/>). PostgreSQL
/// refuses to run as root, so under root it runs as the postgres user (as Debian's packages set it up).
/// </summary>
public sealed class TemporaryPostgresServer : IAsyncDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private readonly string _root;
    private readonly string _data;
    private int _databases;
    private bool _running;

    private TemporaryPostgresServer(string root, int port)
    {
        _root = root;
        _data = Path.Combine(root, "data");
        Port = port;
    }

    public int Port { get; }

    public static bool IsInstalled => File.Exists(Path.Combine(BinDirectory, "initdb"));

    public static async Task<TemporaryPostgresServer> StartAsync()
    {
        if (!IsInstalled)
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDirectory}/initdb is missing): run scripts/bootstrap");
        var root = Directory.CreateTempSubdirectory("mer-pg-").FullName;
        if (RunningAsRoot)
            await RunAsync("chown", $"postgres {root}", asPostgres: false);
        var server = new TemporaryPostgresServer(root, FreePort());
        await RunAsync(Path.Combine(BinDirectory, "initdb"), $"-D {server._data} -U postgres --auth=trust -E UTF8 --no-sync");
        await server.RestartAsync();
        return server;
    }

    /// <summary>
    /// Stops the server in immediate mode: every backend is killed without a checkpoint, clients' connections break and
    /// new ones are refused, as when the database host crashes. Its data stays for <see cref="RestartAsync"/>.
    /// </summary>
    public async Task StopAsync()
    {
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), $"-D {_data} -m immediate -w stop");
        _running = false;
    }

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>) on its port and data: it recovers from its log and accepts connections.</summary>
    public async Task RestartAsync()
    {
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
            $"-D {_data} -l {_root}/server.log -w -t 60 -o \"-c listen_addresses=127.0.0.1 -p {Port} -k {_root} -c fsync=off -c max_connections=200\" start");
        _running = true;
    }

    /// <summary>A fresh, empty database; returns its store URL.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"mer_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"postgres://postgres@127.0.0.1:{Port}/{name}";
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_running)
            await StopAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static bool RunningAsRoot => Environment.UserName == "root";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, string arguments, bool asPostgres = true)
    {
        var info = asPostgres && RunningAsRoot
            ? new ProcessStartInfo("runuser", $"-u postgres -- {program} {arguments}")
            : new ProcessStartInfo(program, arguments);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {arguments} exited with {process.ExitCode}: {await output}{await error}");
    }
}
