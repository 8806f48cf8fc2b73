using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace MerCluster.Orchestration.Grains;

/// <summary>Places a fold grain on a silo with a free device slot (see <see cref="FreeSlotPlacementDirector"/>).</summary>
[GenerateSerializer, Immutable]
public sealed class FreeSlotPlacement : PlacementStrategy
{
    public static readonly FreeSlotPlacement Instance = new();

    /// <summary>The request-context key under which a sweep names the silo it reserved for the fold it starts.</summary>
    public const string ReservedSilo = "mer.reserved-silo";
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class FreeSlotPlacementAttribute() : PlacementAttribute(FreeSlotPlacement.Instance);

/// <summary>
/// Puts a fold grain on the silo its sweep reserved a slot on (<see cref="ISlotBoardGrain.Reserve"/>, passed in the
/// request context) when that silo is still there; otherwise (a fold woken by its reminder, or by a sweep noticing its
/// silo died) on a random silo that advertises slots, and only when no silo has any, on any silo: such a fold finds no
/// slot, stays pending and leaves, and its sweep starts it again when a slot frees.
/// </summary>
public sealed class FreeSlotPlacementDirector(ISiloMetadataCache metadata, Microsoft.Extensions.Logging.ILogger<FreeSlotPlacementDirector> log) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        if (target.RequestContextData is { } data && data.TryGetValue(FreeSlotPlacement.ReservedSilo, out var reserved) && reserved is string text)
        {
            var silo = SiloAddress.FromParsableString(text);
            if (compatible.Contains(silo))
                return Task.FromResult(silo);
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(log, "{Grain}: its reserved silo {Silo} is not among the compatible silos ({Compatible})",
                target.GrainIdentity, silo, string.Join(", ", compatible.Select(s => s.ToString())));
        }
        var withSlots = compatible.Where(s => SlotBoardGrain.Slots(metadata.GetSiloMetadata(s)) > 0).ToArray();
        var pool = withSlots.Length > 0 ? withSlots : compatible;
        return Task.FromResult(pool[Random.Shared.Next(pool.Length)]);
    }
}
