using System.Data.Common;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// What differs between the two engines that hold the one schema: how a connection opens, the store clock,
/// identity and byte columns, and how a transaction holds a row it reads.
/// </summary>
internal abstract class StoreDialect : IAsyncDisposable
{
    public abstract StoreKind Kind { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a write transaction that serialises with every other writer where the engine needs it (SQLite).</summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>The store's clock in Unix milliseconds, as an SQL expression: every silo on every host reads the same clock.</summary>
    public abstract string NowMs { get; }

    /// <summary>Column type of a generated 64-bit primary key.</summary>
    public abstract string IdentityColumn { get; }

    /// <summary>Column type of an opaque byte string (serialized grain state).</summary>
    public abstract string BytesColumn { get; }


    /// <summary>Suffix of a SELECT that locks the rows it reads until the transaction ends (PostgreSQL; SQLite's write transaction already excludes other writers).</summary>
    public abstract string LockRowSuffix { get; }

    /// <summary>Statement that serialises concurrent schema migrations, run inside the migration transaction.</summary>
    public abstract string? MigrationLock { get; }

    /// <summary>A statement run on its own connection, outside any transaction, before the migrations.</summary>
    public abstract string? BeforeMigration { get; }

    /// <summary>Expands the dialect tokens {now}, {identity}, {bytes} and {lock_row} in portable SQL.</summary>
    public string Sql(string portable) => portable
        .Replace("{now}", NowMs, StringComparison.Ordinal)
        .Replace("{identity}", IdentityColumn, StringComparison.Ordinal)
        .Replace("{bytes}", BytesColumn, StringComparison.Ordinal)
        .Replace("{lock_row}", LockRowSuffix, StringComparison.Ordinal);

    /// <summary>Drops the idle pooled connections (after a failure: a restarted server closed them all).</summary>
    public virtual void ForgetConnections()
    {
    }

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static StoreDialect For(StoreLocation location) => location.Kind switch
    {
        StoreKind.Sqlite => new SqliteDialect(location.ConnectionString),
        StoreKind.Postgres => new PostgresDialect(location.ConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(location)),
    };
}
