using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// The coordination store as the Orleans providers of one process reach it: opened (and migrated) once, on first use,
/// and shared by the membership table, grain storage and reminder table. A failed open is retried by the next caller
/// instead of being remembered, so a silo that starts before its database recovers once the database is up.
/// </summary>
public sealed class ClusterStore : IAsyncDisposable
{
    private readonly string _url;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private CoordinationStore? _store;

    /// <summary>Parses <paramref name="storeUrl"/> at once (a wrong URL fails at registration), opens it later.</summary>
    public ClusterStore(string storeUrl)
    {
        Location = StoreLocation.Parse(storeUrl);
        _url = storeUrl;
    }

    /// <summary>A store this process has already opened (a silo's), so the providers share its connections instead of opening it again.</summary>
    public ClusterStore(CoordinationStore opened)
    {
        Location = opened.Location;
        _url = opened.Location.ToString();
        _store = opened;
    }

    public StoreLocation Location { get; }

    public async Task<CoordinationStore> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _store) is { } opened)
            return opened;
        await _opening.WaitAsync(cancellationToken);
        try
        {
            return _store ??= await CoordinationStore.OpenAsync(_url, cancellationToken);
        }
        finally
        {
            _opening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
            await _store.DisposeAsync();
        _opening.Dispose();
    }
}
