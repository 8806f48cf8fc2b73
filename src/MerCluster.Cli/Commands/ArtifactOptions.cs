using System.CommandLine;
using MerCluster.Orchestration.Features;

namespace MerCluster.Cli.Commands;

/// <summary>The <c>--artifacts URL</c> and <c>--cache-size GB</c> options of the commands that host silos or submit sweeps; $MER_ARTIFACTS is the default URL.</summary>
internal static class ArtifactOptions
{
    public static Option<string?> Store() => new("--artifacts")
    {
        Description = "The cluster's artifact store (features, feature sets, checkpoints): a folder every silo sees, or Azure Blob storage "
            + "azblob://CONTAINER/PREFIX with the connection string in $MER_AZBLOB_CONNECTION_STRING or a file named by $MER_AZBLOB_CONNECTION_STRING_FILE "
            + "(default: $MER_ARTIFACTS, else the --cache folder).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MER_ARTIFACTS") is { Length: > 0 } url ? url : null,
    };

    public static Option<double> CacheSize()
    {
        var option = new Option<double>("--cache-size")
        {
            Description = $"GB of local copies a remote (azblob) artifact store keeps in the --cache folder (default {SiloArtifacts.DefaultCacheBytes >> 30}).",
            DefaultValueFactory = _ => SiloArtifacts.DefaultCacheBytes / (double)(1L << 30),
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is var gigabytes && !(gigabytes > 0))
                result.AddError($"--cache-size {gigabytes}: must be a positive number of GB");
        });
        return option;
    }

    public static long Bytes(double gigabytes) => (long)(gigabytes * (1L << 30));
}
