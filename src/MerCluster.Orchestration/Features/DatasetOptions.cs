using MerCluster.Core;
using System.ComponentModel.DataAnnotations;
using MerCluster.Datasets;
using MerCluster.Datasets.Composite;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Loaders;
using MerCluster.Datasets.Manifests;

namespace MerCluster.Orchestration.Features;

/// <summary>
/// The <c>dataset:</c> section of a sweep: the databases' roots in their official layouts (relative to the sweep
/// file) and the class set that maps their emotions (configs/datasets/NAME.yaml). Give the roots you hold; the
/// protocol's databases must be among them.
/// </summary>
public sealed record DatasetOptions : IValidatableObject
{
    public string? Casme2 { get; init; }

    public string? Samm { get; init; }

    public string? Smic { get; init; }

    /// <summary>A CK+-style macro-expression root (MobileViT-SVM's pretraining stage); class set e.g. ckplus-3class.</summary>
    public string? Ckplus { get; init; }

    [Required]
    public string ClassSet { get; init; } = "megc2019-3class";

    /// <summary>Reads the databases given and builds the manifest of the class set.</summary>
    public Manifest LoadManifest(Func<string, string> resolvePath)
    {
        var scans = new List<DatabaseScan>();
        if (Smic is not null)
            scans.Add(SmicLoader.Load(resolvePath(Smic)));
        if (Casme2 is not null)
            scans.Add(Casme2Loader.Load(resolvePath(Casme2)));
        if (Samm is not null)
            scans.Add(SammLoader.Load(resolvePath(Samm)));
        if (Ckplus is not null)
            scans.Add(CkPlusLoader.Load(resolvePath(Ckplus)));
        return CompositeBuilder.Build(Datasets.Labels.ClassSet.Named(ClassSet), scans);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Casme2 is null && Samm is null && Smic is null && Ckplus is null)
            yield return new ValidationResult($"needs at least one database root ({DatabaseIds.Casme2}, {DatabaseIds.Samm}, {DatabaseIds.Smic} or {DatabaseIds.CkPlus})", [nameof(Casme2)]);
    }
}
