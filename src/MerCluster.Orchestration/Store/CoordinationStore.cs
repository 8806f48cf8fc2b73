using System.Data.Common;
using System.Diagnostics;
using Dapper;
using MerCluster.Core.Telemetry;

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

    private readonly StoreRetry _retry;

    private CoordinationStore(StoreLocation location, StoreDialect dialect, StoreRetry retry)
    {
        Location = location;
        _dialect = dialect;
        _retry = retry;
    }

    public StoreLocation Location { get; }

    /// <summary>Opens the store at <paramref name="url"/> (see <see cref="StoreLocation.Parse"/>) and migrates it to the latest schema.</summary>
    public static Task<CoordinationStore> OpenAsync(string url, CancellationToken cancellationToken = default) =>
        OpenAsync(url, StoreRetry.Default, cancellationToken);

    /// <summary>Opens the store with its operations riding out outages as <paramref name="retry"/> says.</summary>
    public static async Task<CoordinationStore> OpenAsync(string url, StoreRetry retry, CancellationToken cancellationToken = default)
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
        return new CoordinationStore(location, dialect, retry);
    }

    public StoreKind Kind => _dialect.Kind;

    public Task<int> SchemaVersionAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.ExecuteScalarAsync<int>("SELECT MAX(version) FROM schema_version"), cancellationToken);

    /// <summary>The store's clock in Unix milliseconds.</summary>
    public Task<long> NowAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.ExecuteScalarAsync<long>("SELECT " + _dialect.NowMs), cancellationToken);

    private Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken) =>
        RetryAsync(async () =>
        {
            var connection = await _dialect.OpenAsync(cancellationToken);
            return await UsingAsync(connection, () => read(connection));
        }, cancellationToken);

    private Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken) =>
        TransactAsync(async (connection, transaction) => (await write(connection, transaction), true), cancellationToken);

    /// <summary>
    /// A write that commits only when <paramref name="write"/> returns true: an optimistic-concurrency check that fails
    /// part-way (a stale etag, a row already there) leaves nothing behind.
    /// </summary>
    private Task<bool> WriteIfAsync(Func<DbConnection, DbTransaction, Task<bool>> write, CancellationToken cancellationToken) =>
        TransactAsync(async (connection, transaction) =>
        {
            var commit = await write(connection, transaction);
            return (commit, commit);
        }, cancellationToken);

    private Task<T> TransactAsync<T>(Func<DbConnection, DbTransaction, Task<(T Result, bool Commit)>> write, CancellationToken cancellationToken) =>
        RetryAsync(async () =>
        {
            var connection = await _dialect.OpenAsync(cancellationToken);
            return await UsingAsync(connection, async () =>
            {
                var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken);
                return await UsingAsync(transaction, async () =>
                {
                    var (result, commit) = await write(connection, transaction);
                    if (commit)
                        await transaction.CommitAsync(cancellationToken);
                    else
                        await transaction.RollbackAsync(cancellationToken);
                    return result;
                });
            });
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="use"/>, then disposes <paramref name="resource"/>. When <paramref name="use"/> failed, a
    /// failure to dispose (a connection the server already dropped) is not let hide the first error, which is the one
    /// that says what happened and whether to try again.
    /// </summary>
    private static async Task<T> UsingAsync<T>(IAsyncDisposable resource, Func<Task<T>> use)
    {
        T result;
        try
        {
            result = await use();
        }
        catch
        {
            try
            {
                await resource.DisposeAsync();
            }
            catch (Exception)
            {
                // The first error is thrown below.
            }
            throw;
        }
        await resource.DisposeAsync();
        return result;
    }

    /// <summary>Runs <paramref name="operation"/> again while the store cannot be reached, as <see cref="StoreRetry"/> says.</summary>
    private async Task<T> RetryAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var delay = _retry.FirstDelay;
        for (var tries = 1; ; tries++)
        {
            try
            {
                return await operation();
            }
            catch (Exception e) when (StoreRetry.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                var waited = Stopwatch.GetElapsedTime(started);
                if (waited >= _retry.Patience)
                    throw new StoreException($"the store {Location} could not be reached for {waited.TotalSeconds:0} s ({tries} tries): {e.Message}", e);
                if (tries == 1)
                    MerMetrics.Error(MerMetrics.ErrorKinds.StoreUnreachable);
                // Pooled connections opened before a restart are dead: the next try opens fresh ones.
                _dialect.ForgetConnections();
                await Task.Delay(delay < _retry.Patience - waited ? delay : _retry.Patience - waited, cancellationToken);
                delay = delay * 2 < _retry.LongestDelay ? delay * 2 : _retry.LongestDelay;
            }
        }
    }

    /// <summary>A fresh opaque entity tag for optimistic concurrency.</summary>
    private static string NewEtag() => Guid.NewGuid().ToString("N");

    private string Sql(string portable) => _dialect.Sql(portable);

    public ValueTask DisposeAsync() => _dialect.DisposeAsync();
}

/// <summary>The store cannot be reached or opened; the message names the store.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);
