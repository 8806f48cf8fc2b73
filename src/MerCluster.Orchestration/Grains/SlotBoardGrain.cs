using Orleans.Runtime.MembershipService.SiloMetadata;

namespace MerCluster.Orchestration.Grains;

/// <summary>
/// The cluster's device slots: which silo has how many (their advertised metadata) and which fold holds which. A sweep
/// reserves a slot before it starts a fold, and the fold's placement follows the reservation, so a fold goes only to a
/// silo with a free slot and folds wait (pending) while every slot is busy. Running folds re-assert their hold every
/// few seconds, so when this grain comes back on another silo after a crash it knows the busy slots again within one
/// beat; holds on silos that left the cluster, and reservations never taken up, lapse.
/// </summary>
public interface ISlotBoardGrain : IGrainWithIntegerKey
{
    /// <summary>A silo with a free slot for the fold (the one with the most free slots), reserved for it; null when every slot is busy.</summary>
    Task<SiloAddress?> Reserve(long foldId);

    /// <summary>The fold is training on <paramref name="silo"/>.</summary>
    Task Hold(long foldId, SiloAddress silo);

    Task Release(long foldId);

    Task<SlotCounts> Counts();
}

[GenerateSerializer, Immutable]
public sealed record SlotCounts(int Silos, int Slots, int Busy);

public sealed class SlotBoardGrain(IClusterMembershipService membership, ISiloMetadataCache metadata) : Grain, ISlotBoardGrain
{
    /// <summary>The one board of a cluster.</summary>
    public const long Key = 0;

    /// <summary>A hold not re-asserted for this long has lapsed (its fold ended without saying so, or never started).</summary>
    public static readonly TimeSpan HoldLapse = TimeSpan.FromSeconds(20);

    // When each hold was last seen, on a monotonic clock: a wall clock set back must not keep a slot busy.
    private readonly Dictionary<long, (SiloAddress Silo, long Seen)> _holds = [];

    public Task<SiloAddress?> Reserve(long foldId)
    {
        var free = FreeSlots();
        if (_holds.TryGetValue(foldId, out var held) && free.ContainsKey(held.Silo))
        {
            _holds[foldId] = (held.Silo, Environment.TickCount64);
            return Task.FromResult<SiloAddress?>(held.Silo);
        }
        var best = free.Where(s => s.Value > 0).OrderByDescending(s => s.Value).ThenBy(_ => Random.Shared.Next()).Select(s => s.Key).FirstOrDefault();
        if (best is not null)
            _holds[foldId] = (best, Environment.TickCount64);
        return Task.FromResult(best);
    }

    public Task Hold(long foldId, SiloAddress silo)
    {
        _holds[foldId] = (silo, Environment.TickCount64);
        return Task.CompletedTask;
    }

    public Task Release(long foldId)
    {
        _holds.Remove(foldId);
        return Task.CompletedTask;
    }

    public Task<SlotCounts> Counts()
    {
        var capacity = Capacity();
        Lapse(capacity);
        return Task.FromResult(new SlotCounts(capacity.Count, capacity.Values.Sum(), _holds.Count));
    }

    /// <summary>Free slots per active silo.</summary>
    private Dictionary<SiloAddress, int> FreeSlots()
    {
        var capacity = Capacity();
        Lapse(capacity);
        var free = new Dictionary<SiloAddress, int>(capacity);
        foreach (var (silo, _) in _holds.Values)
            free[silo]--;
        return free;
    }

    private Dictionary<SiloAddress, int> Capacity() =>
        membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .ToDictionary(m => m.SiloAddress, m => Slots(metadata.GetSiloMetadata(m.SiloAddress)));

    private void Lapse(Dictionary<SiloAddress, int> capacity)
    {
        var now = Environment.TickCount64;
        foreach (var (fold, hold) in _holds.ToList())
            if (!capacity.ContainsKey(hold.Silo) || now - hold.Seen > (long)HoldLapse.TotalMilliseconds)
                _holds.Remove(fold);
    }

    internal static int Slots(SiloMetadata? silo) =>
        silo?.Metadata.TryGetValue(SiloSlots.MetadataKey, out var text) == true && int.TryParse(text, out var slots) ? slots : 0;
}
