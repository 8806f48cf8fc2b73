using System.Data.Common;
using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// The coordination store: the one database of a cluster. It holds the results of record (sweeps, trials, folds and
/// their attempts, predictions, pooled results, dataset manifests, feature-cache entries) and, through the providers in
/// <c>Cluster/</c>, Orleans' membership, grain state and reminders. Every method opens a pooled connection for its own
/// short transaction, so one instance is shared by all the grains of a silo.
/// </summary>
public sealed partial class CoordinationStore : IAsyncDisposable
{
    private readonly StoreDialect _dialect;

    private CoordinationStore(StoreLocation location, StoreDialect dialect)
    {
        Location = location;
        _dialect = dialect;
    }

    public StoreLocation Location { get; }

    /// <summary>Opens the store at <paramref name="url"/> (see <see cref="StoreLocation.Parse"/>) and migrates it to the latest schema.</summary>
    public static async Task<CoordinationStore> OpenAsync(string url, CancellationToken cancellationToken = default)
    {
        var location = StoreLocation.Parse(url);
        var dialect = StoreDialect.For(location);
        try
        {
            await Migrations.ApplyAsync(dialect, cancellationToken);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or IOException)
        {
            await dialect.DisposeAsync();
            throw new StoreException($"cannot open the store {location}: {e.Message}", e);
        }
        return new CoordinationStore(location, dialect);
    }

    public StoreKind Kind => _dialect.Kind;

    public async Task<int> SchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>("SELECT MAX(version) FROM schema_version");
    }

    /// <summary>The store's clock in Unix milliseconds.</summary>
    public async Task<long> NowAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>("SELECT " + _dialect.NowMs);
    }

    private async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken);
        return await read(connection);
    }

    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken);
        await using var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken);
        var result = await write(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// A write that commits only when <paramref name="write"/> returns true: an optimistic-concurrency check that fails
    /// part-way (a stale etag, a row already there) leaves nothing behind.
    /// </summary>
    private async Task<bool> WriteIfAsync(Func<DbConnection, DbTransaction, Task<bool>> write, CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken);
        await using var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken);
        if (!await write(connection, transaction))
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>A fresh opaque entity tag for optimistic concurrency.</summary>
    private static string NewEtag() => Guid.NewGuid().ToString("N");

    private string Sql(string portable) => _dialect.Sql(portable);

    public ValueTask DisposeAsync() => _dialect.DisposeAsync();
}

/// <summary>The store cannot be reached or opened; the message names the store.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);
