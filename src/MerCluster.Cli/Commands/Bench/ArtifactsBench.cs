using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Artifacts;
using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Features;
using MerCluster.Orchestration.Folds;
using MerCluster.Training;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench artifacts [--json]`: per backend (a folder, and Azure Blob storage as Azurite on loopback), write and read
/// MB/s of feature-sized artifacts, and the time to train one composite fold reading its feature set from that backend
/// as a silo does (a blob silo starts with an empty local cache, so its figure includes the download). Goal: the blob
/// fold within 1.5x of the folder's.
/// </summary>
internal static class ArtifactsBench
{
    private const double FoldRatioGoal = 1.5;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var blobs = new Option<int>("--blobs") { Description = "Artifacts written and read per backend.", DefaultValueFactory = _ => ArtifactThroughput.DefaultCount };
        var sizeMb = new Option<int>("--size-mb") { Description = "MiB per artifact.", DefaultValueFactory = _ => ArtifactThroughput.DefaultSize >> 20 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs of the timed fold (STSTNet's paper config otherwise).", DefaultValueFactory = _ => 20 };
        var command = new Command("artifacts", "Artifact store throughput per backend (folder, Azure Blob via Azurite) and a composite fold's time reading its features from each.")
        {
            json, blobs, sizeMb, epochs,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(json), parse.GetValue(blobs), parse.GetValue(sizeMb), parse.GetValue(epochs), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(bool asJson, int blobs, int sizeMb, int epochs, CancellationToken cancellationToken)
    {
        var scratch = Directory.CreateTempSubdirectory("mer-bench-artifacts-").FullName;
        try
        {
            await using var azurite = await TemporaryAzurite.StartAsync(cancellationToken);
            var container = azurite.CreateContainer();
            string? Environment(string name) => name == BlobArtifactStore.ConnectionStringVariable ? azurite.ConnectionString : null;
            var features = CompositeShaped();
            var config = TrainingConfig.ForModel("ststnet");
            config = config with { Train = config.Train with { Epochs = epochs, Threads = 0 } };
            var fold = LosoProtocol.Over(features).Folds[0];

            var backends = new (string Name, Func<int, SiloArtifacts> Open)[]
            {
                ("folder", _ => SiloArtifacts.InFolder(Path.Combine(scratch, "folder-store"))),
                ("azblob", silo => new SiloArtifacts(new CachedArtifactStore(BlobArtifactStore.Open($"azblob://{container}/bench", Environment),
                    Path.Combine(scratch, $"blob-disk-{silo}"), SiloArtifacts.DefaultCacheBytes), Path.Combine(scratch, $"blob-disk-{silo}"))),
            };
            var rows = new JsonArray();
            var foldSeconds = new Dictionary<string, double>();
            foreach (var (name, open) in backends)
            {
                // Silo 0 computes and stores the feature set; silo 1, with a disk of its own, reads it for its fold.
                var writer = open(0);
                var remote = writer.Store is CachedArtifactStore cached ? cached.Remote : writer.Store;
                var throughput = ArtifactThroughput.Measure(remote, blobs, sizeMb << 20, cancellationToken);
                var staging = Path.Combine(scratch, $"staging-{name}");
                features.Write(staging);
                var reference = writer.Publish("bench-composite", staging);

                var reader = open(1);
                var watch = Stopwatch.StartNew();
                var loaded = new FeatureSetCache(reader).Get(reference);
                var loadSeconds = watch.Elapsed.TotalSeconds;
                Trainer.TrainFold(config, loaded, fold, cancellation: cancellationToken);
                var seconds = watch.Elapsed.TotalSeconds;
                foldSeconds[name] = seconds;
                rows.Add(new JsonObject
                {
                    ["backend"] = name,
                    ["write_mb_s"] = Math.Round(throughput.WriteMBPerSecond, 1),
                    ["read_mb_s"] = Math.Round(throughput.ReadMBPerSecond, 1),
                    ["feature_set_load_s"] = Math.Round(loadSeconds, 3),
                    ["fold_s"] = Math.Round(seconds, 2),
                });
            }
            var ratio = foldSeconds["azblob"] / foldSeconds["folder"];
            var report = new JsonObject
            {
                ["backends"] = rows,
                ["artifact_mib"] = sizeMb,
                ["artifacts"] = blobs,
                ["fold"] = new JsonObject { ["model"] = "ststnet", ["epochs"] = epochs, ["samples"] = features.Count, ["held_out"] = fold.Name },
                ["fold_ratio_azblob_to_folder"] = Math.Round(ratio, 3),
                ["targets"] = new JsonObject { ["fold_ratio_max"] = FoldRatioGoal },
            };
            if (asJson)
                Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else
            {
                foreach (var row in rows)
                    Console.WriteLine($"{row!["backend"],-7} write {row["write_mb_s"]} MB/s, read {row["read_mb_s"]} MB/s; fold reading its features from it: {row["fold_s"]} s (load {row["feature_set_load_s"]} s)");
                Console.WriteLine($"azblob fold / folder fold: {ratio:F2} (goal <= {FoldRatioGoal})");
            }
            return ratio <= FoldRatioGoal ? 0 : 1;
        }
        catch (ArtifactStoreException e)
        {
            Console.Error.WriteLine($"mer bench artifacts: {e.Message}");
            return 1;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>A feature set the size of the MEGC2019 composite under STSTNet's pipeline: 442 samples of (u, v, strain) at 28x28, 68 subjects, 3 classes.</summary>
    private static FeatureSet CompositeShaped()
    {
        var random = new Random(1);
        string[] databases = ["smic", "casme2", "samm"];
        var samples = Enumerable.Range(0, 442).Select(i =>
        {
            var subject = i % 68;
            var database = databases[subject % 3];
            return new FeatureSample($"x{i}", $"{database}/s{subject:00}", database, new[] { "negative", "positive", "surprise" }[i / 68 % 3]);
        }).ToList();
        var data = new float[442 * 3 * 28 * 28];
        for (var i = 0; i < data.Length; i++)
            data[i] = (float)random.NextDouble();
        return new FeatureSet(["negative", "positive", "surprise"], samples, [KeyValuePair.Create("flow_uvs", new NdArray<float>([442, 3, 28, 28], data))]);
    }
}
