using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Tests.Support;

/// <summary>Gives each test a fresh store of either kind: a SQLite file in a temporary directory, or a new database on the test PostgreSQL server.</summary>
public sealed class StoreKinds(PostgresServer postgres) : IDisposable
{
    public static TheoryData<string> All => new() { "sqlite", "postgres" };

    public TempDirectory Temp { get; } = new();

    public async Task<string> UrlAsync(string kind) => kind switch
    {
        "sqlite" => Temp.SqliteUrl,
        "postgres" => await postgres.CreateDatabaseAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public async Task<CoordinationStore> OpenAsync(string kind) => await CoordinationStore.OpenAsync(await UrlAsync(kind));

    /// <summary>A sweep with the given trials and held-out subjects, written straight to the store.</summary>
    public static async Task<string> CreateSweepAsync(CoordinationStore store, int trials, int subjects, int maxAttempts = 3, string id = "sweep-1")
    {
        var plan = new SweepPlan(id, "test", "name: test", "/tmp", "[]", maxAttempts,
            Enumerable.Range(0, trials).Select(t => new PlannedTrial($"t{t}", "[]")).ToList(),
            Enumerable.Range(1, subjects).Select(s => $"casme2/sub{s:00}").ToList());
        await store.CreateSweepAsync(plan);
        return id;
    }

    public void Dispose() => Temp.Dispose();
}
