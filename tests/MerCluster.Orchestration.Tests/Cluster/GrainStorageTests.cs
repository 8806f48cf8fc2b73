using MerCluster.Orchestration.Tests.Support;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace MerCluster.Orchestration.Tests.Cluster;

/// <summary>Orleans' grain storage contract on the store: round trip, etags, clearing, grains and services apart.</summary>
[Collection(PostgresCollection.Name)]
public sealed class GrainStorageTests(PostgresServer postgres) : IDisposable
{
    private static readonly GrainId Fold = GrainId.Create("fold", "sweep-1/casme2/sub01");
    private static readonly GrainId OtherFold = GrainId.Create("fold", "sweep-1/casme2/sub02");
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_written_record_reads_back_equal_with_its_etag(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var storage = providers.GrainStorage();
        var progress = new FoldProgress("casme2/sub01", 12, 0.625, ["warm-up done", "lr 1e-4"]);
        var written = new GrainState<FoldProgress>(progress);

        await storage.WriteStateAsync("progress", Fold, written);
        Assert.NotNull(written.ETag);
        Assert.True(written.RecordExists);

        var read = new GrainState<FoldProgress>();
        await storage.ReadStateAsync("progress", Fold, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal((progress.Subject, progress.Epoch), (read.State!.Subject, read.State!.Epoch));
        Assert.Equal(progress.BestUf1, read.State!.BestUf1, precision: 12);
        Assert.Equal(progress.Notes, read.State!.Notes);

        read.State = read.State! with { Epoch = 13 };
        await storage.WriteStateAsync("progress", Fold, read);
        Assert.NotEqual(written.ETag, read.ETag);
        var again = new GrainState<FoldProgress>();
        await storage.ReadStateAsync("progress", Fold, again);
        Assert.Equal((13, read.ETag), (again.State!.Epoch, again.ETag));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_write_or_clear_with_a_stale_etag_throws_InconsistentStateException_and_changes_nothing(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var storage = providers.GrainStorage();
        var first = new GrainState<FoldProgress>(new FoldProgress("casme2/sub01", 1, 0.1, []));
        await storage.WriteStateAsync("progress", Fold, first);
        var staleEtag = first.ETag;
        var second = new GrainState<FoldProgress>();
        await storage.ReadStateAsync("progress", Fold, second);
        second.State = second.State! with { Epoch = 2 };
        await storage.WriteStateAsync("progress", Fold, second);

        first.State = first.State! with { Epoch = 99 };
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("progress", Fold, first));
        Assert.Equal(second.ETag, conflict.StoredEtag);
        Assert.Equal(staleEtag, conflict.CurrentEtag);
        Assert.Contains(providers.Store.Location.Display, conflict.Message);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("progress", Fold, first));

        var read = new GrainState<FoldProgress>();
        await storage.ReadStateAsync("progress", Fold, read);
        Assert.Equal((2, second.ETag), (read.State!.Epoch, read.ETag));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Clearing_leaves_the_default_state_and_no_record(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var storage = providers.GrainStorage();
        var state = new GrainState<FoldProgress>(new FoldProgress("casme2/sub01", 5, 0.5, ["x"]));
        await storage.WriteStateAsync("progress", Fold, state);

        await storage.ClearStateAsync("progress", Fold, state);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);

        var read = new GrainState<FoldProgress>(new FoldProgress("left over", 7, 0.7, []));
        await storage.ReadStateAsync("progress", Fold, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Equal(0, read.State!.Epoch);
        Assert.Null(read.State!.Subject);

        // After a clear the grain writes as for the first time.
        read.State = new FoldProgress("casme2/sub01", 1, 0.2, []);
        await storage.WriteStateAsync("progress", Fold, read);
        Assert.True(read.RecordExists);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Grains_state_names_and_services_are_kept_apart(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var storage = providers.GrainStorage();
        await storage.WriteStateAsync("progress", Fold, new GrainState<FoldProgress>(new FoldProgress("casme2/sub01", 1, 0.1, [])));
        await storage.WriteStateAsync("progress", OtherFold, new GrainState<FoldProgress>(new FoldProgress("casme2/sub02", 2, 0.2, [])));

        var other = new GrainState<FoldProgress>();
        await storage.ReadStateAsync("progress", OtherFold, other);
        Assert.Equal(("casme2/sub02", 2), (other.State!.Subject, other.State!.Epoch));
        var otherName = new GrainState<FoldProgress>();
        await storage.ReadStateAsync("checkpoint", Fold, otherName);
        Assert.False(otherName.RecordExists);
        var otherService = new GrainState<FoldProgress>();
        await providers.GrainStorage(serviceId: "another-service").ReadStateAsync("progress", Fold, otherService);
        Assert.False(otherService.RecordExists);

        await storage.ClearStateAsync("progress", OtherFold, other);
        var first = new GrainState<FoldProgress>();
        await storage.ReadStateAsync("progress", Fold, first);
        Assert.Equal(("casme2/sub01", 1), (first.State!.Subject, first.State!.Epoch));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_first_write_when_a_record_already_exists_is_rejected(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var storage = providers.GrainStorage();
        var existing = new GrainState<FoldProgress>(new FoldProgress("casme2/sub01", 3, 0.3, []));
        await storage.WriteStateAsync("progress", Fold, existing);

        var unaware = new GrainState<FoldProgress>(new FoldProgress("casme2/sub01", 0, 0.0, []));
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("progress", Fold, unaware));
        Assert.Equal(existing.ETag, conflict.StoredEtag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("progress", Fold, unaware));

        var read = new GrainState<FoldProgress>();
        await storage.ReadStateAsync("progress", Fold, read);
        Assert.Equal(3, read.State!.Epoch);
    }

    public void Dispose() => _stores.Dispose();
}

/// <summary>A grain state shaped like a fold's: a record with a list, serialized by Orleans' configured grain storage serializer.</summary>
[GenerateSerializer]
public sealed record FoldProgress(
    [property: Id(0)] string Subject,
    [property: Id(1)] int Epoch,
    [property: Id(2)] double BestUf1,
    [property: Id(3)] List<string> Notes);
