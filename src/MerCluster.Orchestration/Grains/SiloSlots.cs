namespace MerCluster.Orchestration.Grains;

/// <summary>
/// The device slots of this silo: one per <c>--device</c> (a GPU each), or <c>--slots N</c> on a CPU box. A fold
/// grain takes a slot for its attempt and trains on that slot's device with the slot's share of the cores; a silo
/// with no slots hosts the other grains but never trains. This is the local guard; the cluster-wide view that
/// placement uses is the <see cref="ISlotBoardGrain"/>.
/// </summary>
public sealed class SiloSlots
{
    /// <summary>The silo metadata key that advertises how many slots a silo has.</summary>
    public const string MetadataKey = "mer.slots";

    private readonly string?[] _holders;

    public SiloSlots(IReadOnlyList<string> devices, int threadsPerSlot = 0)
    {
        Devices = devices;
        _holders = new string?[devices.Count];
        ThreadsPerSlot = threadsPerSlot > 0 ? threadsPerSlot : Math.Max(1, Environment.ProcessorCount / Math.Max(1, devices.Count));
    }

    public IReadOnlyList<string> Devices { get; }

    public int Count => Devices.Count;

    /// <summary>Cores each slot's training uses.</summary>
    public int ThreadsPerSlot { get; }

    public int Busy
    {
        get
        {
            lock (_holders)
                return _holders.Count(h => h is not null);
        }
    }

    /// <summary>Takes a free slot for <paramref name="holder"/>; null when every slot is busy (or there are none).</summary>
    public Slot? TryTake(string holder)
    {
        lock (_holders)
        {
            var index = Array.IndexOf(_holders, holder);
            if (index < 0)
                index = Array.IndexOf(_holders, null);
            if (index < 0)
                return null;
            _holders[index] = holder;
            return new Slot(index, Devices[index], ThreadsPerSlot);
        }
    }

    public void Give(string holder)
    {
        lock (_holders)
        {
            var index = Array.IndexOf(_holders, holder);
            if (index >= 0)
                _holders[index] = null;
        }
    }
}

public sealed record Slot(int Index, string Device, int Threads);
