using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace MerCluster.Orchestration.Tests.Support;

/// <summary>
/// A real PostgreSQL 15 server for the tests: initdb in a temporary directory, started by pg_ctl on a free loopback
/// port, stopped and deleted at the end. PostgreSQL refuses to run as root, so under root it runs as the postgres user.
/// Each test gets its own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private string _root = "";
    private string _data = "";
    private int _databases;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDirectory}/initdb missing): run scripts/bootstrap");
        _root = Directory.CreateTempSubdirectory("mer-pg-").FullName;
        _data = Path.Combine(_root, "data");
        if (RunningAsRoot)
            await RunAsync("chown", $"postgres {_root}", asPostgres: false);
        await RunAsync(Path.Combine(BinDirectory, "initdb"), $"-D {_data} -U postgres --auth=trust -E UTF8 --no-sync");
        Port = FreePort();
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
            $"-D {_data} -l {_root}/server.log -w -t 60 -o \"-c listen_addresses=127.0.0.1 -p {Port} -k {_root} -c fsync=off -c synchronous_commit=off -c max_connections=200\" start");
    }

    public async Task DisposeAsync()
    {
        if (_data.Length > 0 && Directory.Exists(_data))
            await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), $"-D {_data} -m immediate -w stop");
        if (_root.Length > 0)
            Directory.Delete(_root, recursive: true);
    }

    /// <summary>A fresh, empty database; returns its store URL.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"mer_test_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"postgres://postgres@127.0.0.1:{Port}/{name}";
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
        info.WorkingDirectory = "/tmp";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {arguments} exited with {process.ExitCode}: {await output}{await error}");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}
