using System.CommandLine;
using MerCluster.Orchestration.Store;

namespace MerCluster.Cli.Commands;

/// <summary>The <c>--store URL</c> option shared by the orchestration commands; $MER_STORE, else the local SQLite file.</summary>
internal static class StoreOption
{
    public static Option<string> Create(bool required = false) => new("--store")
    {
        Description = "Coordination store: sqlite:PATH, postgres://user@host:port/database or an Npgsql connection string "
            + $"(default: $MER_STORE, else {StoreLocation.DefaultUrl}).",
        Required = required,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MER_STORE") is { Length: > 0 } url ? url : StoreLocation.DefaultUrl,
    };
}
