using MerCluster.Orchestration.Store;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// Orleans' reminder table in the coordination store, for the service named by <see cref="ClusterOptions.ServiceId"/>.
/// Each silo reads the reminders of its ring range by the grains' uniform hash; removing a reminder needs the etag its
/// caller read, so a reminder re-registered meanwhile is not removed by a stale remove.
/// </summary>
public sealed class StoreReminderTable(ClusterStore store, IOptions<ClusterOptions> clusterOptions) : IReminderTable
{
    private readonly string _serviceId = clusterOptions.Value.ServiceId;

    public async Task Init() => await store.OpenAsync();

    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    public async Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken) =>
        new((await (await store.OpenAsync(cancellationToken)).RemindersOfGrainAsync(_serviceId, grainId.ToString(), cancellationToken)).Select(ToEntry));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    public async Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken) =>
        new((await (await store.OpenAsync(cancellationToken)).RemindersInHashRangeAsync(_serviceId, begin, end, cancellationToken)).Select(ToEntry));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    /// <summary>The reminder, or null when the grain has none by that name.</summary>
    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        var stored = await (await store.OpenAsync(cancellationToken)).ReminderAsync(_serviceId, grainId.ToString(), reminderName, cancellationToken);
        return stored is null ? null : ToEntry(stored);
    }

    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken) =>
        await (await store.OpenAsync(cancellationToken)).UpsertReminderAsync(_serviceId, new StoredReminder
        {
            GrainId = entry.GrainId.ToString(),
            ReminderName = entry.ReminderName,
            StartTime = StoreTime.ToUnixMs(entry.StartAt),
            PeriodMs = StoreTime.ToMs(entry.Period),
            GrainHash = entry.GrainId.GetUniformHashCode(),
        }, cancellationToken);

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        await (await store.OpenAsync(cancellationToken)).RemoveReminderAsync(_serviceId, grainId.ToString(), reminderName, eTag, cancellationToken);

    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    public async Task TestOnlyClearTable(CancellationToken cancellationToken) =>
        await (await store.OpenAsync(cancellationToken)).DeleteRemindersAsync(_serviceId, cancellationToken);

    private static ReminderEntry ToEntry(StoredReminder stored) => new()
    {
        GrainId = GrainId.Parse(stored.GrainId),
        ReminderName = stored.ReminderName,
        StartAt = StoreTime.FromUnixMs(stored.StartTime),
        Period = TimeSpan.FromMilliseconds(stored.PeriodMs),
        ETag = stored.Etag,
    };
}
