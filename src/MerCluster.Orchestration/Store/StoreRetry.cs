using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// How every store operation rides out an outage (PostgreSQL stopped or restarting, a SQLite file locked by another
/// process): an operation that fails because the store cannot be reached is run again, whole (connection, statements
/// and commit), after a delay that doubles from <see cref="FirstDelay"/> up to <see cref="LongestDelay"/>, until
/// <see cref="Patience"/> has passed since its first try; then it fails with a <see cref="StoreException"/> naming the
/// store. A grain call waits on the store instead of throwing, so a fold that finishes during an outage keeps its result
/// until the store is back. Errors that say something about the operation itself (a constraint, bad SQL) are not retried.
/// </summary>
public sealed record StoreRetry
{
    /// <summary>Long enough for a database restart or a failover (minutes), short enough that a store gone for good is reported.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DefaultFirstDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two tries: a store that comes back is used again within this.</summary>
    public static readonly TimeSpan DefaultLongestDelay = TimeSpan.FromSeconds(2);

    public static StoreRetry Default { get; } = new();

    public TimeSpan Patience { get; init; } = DefaultPatience;

    public TimeSpan FirstDelay { get; init; } = DefaultFirstDelay;

    public TimeSpan LongestDelay { get; init; } = DefaultLongestDelay;

    /// <summary>
    /// Whether <paramref name="e"/> says the store could not be reached or was going away, rather than that the
    /// operation was wrong: a refused or broken connection, PostgreSQL shutting down or starting up (57P01-57P03), out of
    /// connections (53300), a serialization failure or deadlock (40001, 40P01); SQLite busy or locked past its busy timeout.
    /// An operation retried after its commit was lost in flight may find its work done: every write is guarded so that
    /// doing it twice changes nothing (an attempt already ended, a version already moved on).
    /// </summary>
    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal)
            || p.SqlState is "57P01" or "57P02" or "57P03" or "53300" or "40001" or "40P01",
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or SocketException or TimeoutException,
        SqliteException s => (s.SqliteErrorCode & 0xFF) is 5 or 6,
        _ => false,
    };
}
