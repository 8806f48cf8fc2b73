using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Tests;

public class StoreLocationTests
{
    [Fact]
    public void A_sqlite_url_names_an_absolute_file()
    {
        var location = StoreLocation.Parse("sqlite:.mer/store.db");
        Assert.Equal(StoreKind.Sqlite, location.Kind);
        Assert.Equal(Path.GetFullPath(".mer/store.db"), location.ConnectionString);
    }

    [Fact]
    public void A_postgres_url_becomes_an_npgsql_connection_string()
    {
        var location = StoreLocation.Parse("postgres://mer:secret@db.example:6543/sweeps");
        Assert.Equal(StoreKind.Postgres, location.Kind);
        Assert.Contains("Host=db.example", location.ConnectionString);
        Assert.Contains("Port=6543", location.ConnectionString);
        Assert.Contains("Database=sweeps", location.ConnectionString);
        Assert.Contains("Username=mer", location.ConnectionString);
        Assert.DoesNotContain("secret", location.Display);
    }

    [Fact]
    public void An_npgsql_connection_string_is_accepted_as_it_is()
    {
        var location = StoreLocation.Parse("Host=127.0.0.1;Port=5433;Database=mer;Username=postgres");
        Assert.Equal(StoreKind.Postgres, location.Kind);
        Assert.Equal("postgres://postgres@127.0.0.1:5433/mer", location.Display);
    }

    [Theory]
    [InlineData("mysql://x@y/z")]
    [InlineData("postgres://user@host:5432/")]
    [InlineData("")]
    public void An_unusable_url_is_an_error_that_quotes_it(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => StoreLocation.Parse(url));
        Assert.Contains(url.Length == 0 ? "empty" : url, error.Message);
    }
}
