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

    public void Dispose() => Temp.Dispose();
}
