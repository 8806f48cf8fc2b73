using Orleans;
using Orleans.Runtime;

namespace MerCluster.Orchestration.Tests.Cluster;

/// <summary>A grain for the silo test: a counter persisted through the store's grain storage, and one reminder.</summary>
public interface IStoreCounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<int> Count();

    Task<bool> HasReminder();
}

public sealed class StoreCounterGrain([PersistentState("x", "store")] IPersistentState<CounterState> counter) : Grain, IStoreCounterGrain, IRemindable
{
    public const string ReminderName = "keep-counting";

    public async Task<int> Increment()
    {
        counter.State = counter.State with { Count = counter.State.Count + 1 };
        await counter.WriteStateAsync();
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
        return counter.State.Count;
    }

    public Task<int> Count() => Task.FromResult(counter.State.Count);

    public async Task<bool> HasReminder() => await this.GetReminder(ReminderName) is not null;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}

[GenerateSerializer]
public sealed record CounterState
{
    [Id(0)]
    public int Count { get; init; }
}
