namespace MerCluster.Server;

/// <summary>How `mer server` runs: which store it serves, where it listens, the API token, and where posted sweeps' relative paths start.</summary>
public sealed record ServerOptions
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public required string StoreUrl { get; init; }

    /// <summary>Kestrel listen URLs, ';'-separated; port 0 picks a free port (see <see cref="CoordinatorServer.Urls"/>).</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>Null: mutating calls are refused, since nobody could authenticate them.</summary>
    public ApiToken? Token { get; init; }

    /// <summary>The directory a posted sweep's relative paths (its feature set) resolve against.</summary>
    public string SweepsDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>The server's silo name in the membership table (default host-pid).</summary>
    public string? SiloName { get; init; }

    /// <summary>The coordinator runs in a Kubernetes pod beside silos started with `mer silo --kubernetes`: its silo is named after the pod too, or their pod watch would declare it dead.</summary>
    public bool Kubernetes { get; init; }
}
