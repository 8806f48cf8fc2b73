using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Tests.Support;

/// <summary>One real PostgreSQL 15 server on loopback for all the tests of the collection; each test gets its own database.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private TemporaryPostgresServer? _server;

    public async Task InitializeAsync() => _server = await TemporaryPostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }

    public Task<string> CreateDatabaseAsync() => _server!.CreateDatabaseAsync();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}
