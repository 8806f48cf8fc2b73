using Npgsql;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// Where the coordination store lives, parsed from a store URL:
/// <c>sqlite:PATH</c> (the embedded default, one file), <c>postgres://user[:password]@host[:port]/database</c>,
/// or an Npgsql connection string (<c>Host=...;Database=...</c>).
/// </summary>
public sealed record StoreLocation(StoreKind Kind, string ConnectionString, string Display)
{
    /// <summary>The embedded default: <c>.mer/store.db</c> under the current directory.</summary>
    public static string DefaultUrl => "sqlite:" + Path.Combine(".mer", "store.db");

    public static StoreLocation Parse(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw new ArgumentException("empty store URL: use sqlite:PATH or postgres://user@host:port/database");
        if (url.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = Path.GetFullPath(url["sqlite:".Length..]);
            return new StoreLocation(StoreKind.Sqlite, path, "sqlite:" + path);
        }
        if (url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return FromPostgresUri(url);
        if (url.Contains('=') && url.Contains("host", StringComparison.OrdinalIgnoreCase))
        {
            var builder = new NpgsqlConnectionStringBuilder(url);
            return new StoreLocation(StoreKind.Postgres, builder.ConnectionString, $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}");
        }
        throw new ArgumentException($"store URL '{url}' is neither sqlite:PATH, postgres://user@host:port/database nor an Npgsql connection string (Host=...)");
    }

    private static StoreLocation FromPostgresUri(string url)
    {
        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (string.IsNullOrEmpty(builder.Database))
            throw new ArgumentException($"store URL '{url}' names no database (postgres://user@host:port/database)");
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        if (userInfo.Length == 2)
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        return new StoreLocation(StoreKind.Postgres, builder.ConnectionString, $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}");
    }

    public override string ToString() => Display;
}

public enum StoreKind
{
    Sqlite,
    Postgres,
}
