using System.ComponentModel.DataAnnotations;
using MerCluster.Core;
using MerCluster.Core.Configuration;

namespace MerCluster.Datasets.Labels;

/// <summary>
/// A set of classes and how each database's emotion strings map onto it, kept as data under configs/datasets/
/// (the MEGC2019 composite, the native class sets the seeds use for single-database runs). Every emotion a database
/// uses must be either mapped or listed as dropped, so no clip leaves a manifest without a stated reason.
/// </summary>
public sealed record ClassSet : IValidatableObject
{
    [Required]
    public string Name { get; init; } = "";

    public string Description { get; init; } = "";

    /// <summary>Class names in index order.</summary>
    [MinLength(1)]
    public IReadOnlyList<string> Classes { get; init; } = [];

    [MinLength(1)]
    public IReadOnlyList<DatabaseLabels> Databases { get; init; } = [];

    /// <summary>Samples the protocol leaves out although their emotion maps to a class.</summary>
    public IReadOnlyList<ExcludedClip> ExcludedSamples { get; init; } = [];

    /// <summary>The published counts of this class set per database, shown beside what a loader found.</summary>
    public IReadOnlyList<OfficialCounts> Official { get; init; } = [];

    /// <summary>Binds and validates <paramref name="path"/>; errors name the file, key and line.</summary>
    public static ClassSet Load(string path) => YamlOptions.Load<ClassSet>(path);

    /// <summary>configs/datasets/<paramref name="name"/>.yaml.</summary>
    public static ClassSet Named(string name) => Load(Path.Combine(RepositoryPaths.Configs, "datasets", $"{name}.yaml"));

    public const string Megc2019 = "megc2019-3class";

    /// <summary>CK+ on the composite's three classes, for MobileViT-SVM's macro-expression pretraining.</summary>
    public const string CkPlus = "ckplus-3class";

    /// <summary>The databases a loader reads: the composite's parts and CK+.</summary>
    public static IReadOnlyList<string> KnownDatabases { get; } = [.. DatabaseIds.All, DatabaseIds.CkPlus];

    /// <summary>The labels for <paramref name="database"/>, or null when this set does not cover it.</summary>
    public DatabaseLabels? For(string database) => Databases.FirstOrDefault(d => d.Database == database);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var duplicate in Classes.GroupBy(c => c).Where(g => g.Count() > 1))
            yield return new ValidationResult($"class '{duplicate.Key}' is listed twice", [nameof(Classes)]);
        foreach (var labels in Databases)
        {
            if (!KnownDatabases.Contains(labels.Database))
                yield return new ValidationResult($"database '{labels.Database}' is not one of {string.Join(", ", KnownDatabases)}", [nameof(Databases)]);
            foreach (var name in labels.Classes.Keys.Where(c => !Classes.Contains(c)))
                yield return new ValidationResult($"{labels.Database}: class '{name}' is not in classes", [nameof(Databases)]);
            var mapped = labels.Classes.SelectMany(c => c.Value).ToList();
            if (labels.FramesPerSequence < 1)
                yield return new ValidationResult($"{labels.Database}: frames_per_sequence {labels.FramesPerSequence} is not a positive count", [nameof(Databases)]);
            else if (labels.FramesPerSequence > 1 && labels.Database != DatabaseIds.CkPlus)
                yield return new ValidationResult(
                    $"{labels.Database}: frames_per_sequence {labels.FramesPerSequence} applies only to {DatabaseIds.CkPlus}, whose sequences end at their peak", [nameof(Databases)]);
            foreach (var twice in mapped.Concat(labels.Dropped).GroupBy(e => e, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                yield return new ValidationResult($"{labels.Database}: emotion '{twice.Key}' is mapped or dropped more than once", [nameof(Databases)]);
        }
        foreach (var official in Official.Where(o => o.Classes.Keys.Any(c => !Classes.Contains(c))))
            yield return new ValidationResult($"official counts of {official.Database} name a class not in classes", [nameof(Official)]);
    }
}

/// <summary>One database's emotion strings: those mapped to each class, and those the class set drops.</summary>
public sealed record DatabaseLabels
{
    [Required]
    public string Database { get; init; } = "";

    /// <summary>Class -> the database's emotion strings that become it (compared ignoring case).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Classes { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Emotion strings whose clips this class set leaves out.</summary>
    public IReadOnlyList<string> Dropped { get; init; } = [];

    /// <summary>
    /// Samples per clip: 1 (the default) makes each clip one sample; N makes each of its last N frames one, the clip cut
    /// to end there (apex and offset that frame), with the same subject and class and the id <c>{clip}/f{frame}</c>
    /// (<c>ckplus/S005/001/f11</c>). A clip shorter than N frames is left out with the reason. CK+ only, whose
    /// sequences end at their peak (MobileViT-SVM pretrains on the last three frames of each, seed 004 Section 4.1).
    /// </summary>
    public int FramesPerSequence { get; init; } = 1;

    /// <summary>The class of <paramref name="emotion"/>, or null when it is dropped or not covered (see <see cref="IsDropped"/>).</summary>
    public string? ClassOf(string emotion) =>
        Classes.FirstOrDefault(c => c.Value.Contains(emotion.Trim(), StringComparer.OrdinalIgnoreCase)).Key;

    public bool IsDropped(string emotion) => Dropped.Contains(emotion.Trim(), StringComparer.OrdinalIgnoreCase);
}

/// <summary>A sample id the protocol excludes, and why.</summary>
public sealed record ExcludedClip
{
    [Required]
    public string Sample { get; init; } = "";

    [Required]
    public string Reason { get; init; } = "";
}

/// <summary>The published size of one database's part: subjects and samples per class.</summary>
public sealed record OfficialCounts
{
    [Required]
    public string Database { get; init; } = "";

    [Range(0, int.MaxValue)]
    public int Subjects { get; init; }

    public IReadOnlyDictionary<string, int> Classes { get; init; } = new Dictionary<string, int>();

    public int Samples => Classes.Values.Sum();
}
