using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// Orleans reminders: one row per (service, grain, reminder name) with its start time, period and the grain's uniform
/// hash, by which each silo reads the reminders of its range of the hash ring. Removing names the etag the caller read.
/// </summary>
public sealed partial class CoordinationStore
{
    private const string ReminderColumns = """
        grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS PeriodMs,
        grain_hash AS GrainHash, etag AS Etag
        """;

    /// <summary>Every reminder of one grain.</summary>
    public async Task<IReadOnlyList<StoredReminder>> RemindersOfGrainAsync(string serviceId, string grainId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<StoredReminder>(
            $"SELECT {ReminderColumns} FROM reminders WHERE service_id = @serviceId AND grain_id = @grainId ORDER BY reminder_name",
            new { serviceId, grainId }), cancellationToken)).ToList();

    /// <summary>
    /// The reminders whose grain hash lies in the ring range (<paramref name="begin"/>, <paramref name="end"/>]; when
    /// <paramref name="begin"/> &gt;= <paramref name="end"/> the range wraps past the top of the ring (equal bounds: the whole ring).
    /// </summary>
    public async Task<IReadOnlyList<StoredReminder>> RemindersInHashRangeAsync(string serviceId, uint begin, uint end,
        CancellationToken cancellationToken = default)
    {
        var inRange = begin < end ? "grain_hash > @begin AND grain_hash <= @end" : "(grain_hash > @begin OR grain_hash <= @end)";
        return (await ReadAsync(connection => connection.QueryAsync<StoredReminder>(
            $"SELECT {ReminderColumns} FROM reminders WHERE service_id = @serviceId AND {inRange} ORDER BY grain_hash, grain_id, reminder_name",
            new { serviceId, begin = (long)begin, end = (long)end }), cancellationToken)).ToList();
    }

    /// <summary>One reminder, or null when the grain has none by that name.</summary>
    public Task<StoredReminder?> ReminderAsync(string serviceId, string grainId, string reminderName, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.QueryFirstOrDefaultAsync<StoredReminder>(
            $"SELECT {ReminderColumns} FROM reminders WHERE service_id = @serviceId AND grain_id = @grainId AND reminder_name = @reminderName",
            new { serviceId, grainId, reminderName }), cancellationToken);

    /// <summary>Creates or replaces a reminder; returns its new etag.</summary>
    public async Task<string> UpsertReminderAsync(string serviceId, StoredReminder reminder, CancellationToken cancellationToken = default)
    {
        var etag = NewEtag();
        await WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            INSERT INTO reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, etag)
            VALUES (@serviceId, @GrainId, @ReminderName, @StartTime, @PeriodMs, @GrainHash, @etag)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE SET start_time = excluded.start_time,
                period_ms = excluded.period_ms, grain_hash = excluded.grain_hash, etag = excluded.etag
            """, new { serviceId, reminder.GrainId, reminder.ReminderName, reminder.StartTime, reminder.PeriodMs, reminder.GrainHash, etag },
            transaction), cancellationToken);
        return etag;
    }

    /// <summary>Deletes a reminder whose etag is <paramref name="expectedEtag"/>; false when it is gone or changed since.</summary>
    public Task<bool> RemoveReminderAsync(string serviceId, string grainId, string reminderName, string expectedEtag,
        CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) => await connection.ExecuteAsync("""
            DELETE FROM reminders
            WHERE service_id = @serviceId AND grain_id = @grainId AND reminder_name = @reminderName AND etag = @expectedEtag
            """, new { serviceId, grainId, reminderName, expectedEtag }, transaction) == 1, cancellationToken);

    /// <summary>Deletes every reminder of one service; returns how many went.</summary>
    public Task<int> DeleteRemindersAsync(string serviceId, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "DELETE FROM reminders WHERE service_id = @serviceId", new { serviceId }, transaction), cancellationToken);
}

/// <summary>A reminder as stored: start time and period in milliseconds, the grain's uniform hash, and its etag.</summary>
public sealed record StoredReminder
{
    public string GrainId { get; init; } = "";
    public string ReminderName { get; init; } = "";
    public long StartTime { get; init; }
    public long PeriodMs { get; init; }
    public long GrainHash { get; init; }
    public string Etag { get; init; } = "";
}
