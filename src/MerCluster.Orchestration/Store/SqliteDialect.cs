using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// The embedded store: one SQLite file in WAL mode shared by the processes of one machine. Writers serialise through
/// BEGIN IMMEDIATE and wait for each other up to the busy timeout instead of failing with SQLITE_BUSY. The timeout is
/// short, as a lock held that long is no writer's ordinary turn but another process holding the file: past it the
/// store's retry (<see cref="StoreRetry"/>) waits, without the blocked thread a busy wait holds.
/// </summary>
internal sealed class SqliteDialect : StoreDialect
{
    private const int BusyTimeoutMs = 5_000;
    private readonly string _connectionString;

    public SqliteDialect(string path)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = BusyTimeoutMs / 1000,
            Pooling = true,
        }.ToString();
    }

    public override StoreKind Kind => StoreKind.Sqlite;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragmas = connection.CreateCommand();
        // journal_mode is stored in the file (set once by the migration); these two are per connection.
        pragmas.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;";
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override string NowMs => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

    public override string IdentityColumn => "INTEGER PRIMARY KEY";

    public override string BytesColumn => "BLOB";

    public override string LockRowSuffix => "";

    /// <summary>WAL lets readers (status, reports) run beside the one writer; it persists in the file.</summary>
    public override string? MigrationLock => null;

    public override string? BeforeMigration => "PRAGMA journal_mode = WAL";
}
