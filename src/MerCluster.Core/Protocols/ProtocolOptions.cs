using System.ComponentModel.DataAnnotations;

namespace MerCluster.Core.Protocols;

/// <summary>
/// The <c>protocol:</c> section of a sweep: which protocol, which databases it covers (its parts) and which classes it
/// scores. The defaults are the MEGC2019 composite: LOSO over SMIC-HS, CASME II and SAMM with 3 classes. A
/// single-database run with its native classes is the same protocol with one database and that database's classes.
/// </summary>
public sealed record ProtocolOptions
{
    /// <summary>Leave-one-subject-out, the only protocol so far (<see cref="LosoProtocol"/>).</summary>
    public const string Loso = "loso";

    /// <summary>The composite's parts in the order reports list them.</summary>
    public static readonly IReadOnlyList<string> CompositeDatabases = DatabaseIds.All;

    /// <summary>The composite's classes in their index order.</summary>
    public static readonly IReadOnlyList<string> CompositeClasses = ["negative", "positive", "surprise"];

    [Required]
    public string Name { get; init; } = Loso;

    /// <summary>The databases evaluated, each one part of the report; samples of other databases are left out.</summary>
    [MinLength(1)]
    public List<string> Databases { get; init; } = [.. CompositeDatabases];

    /// <summary>The class names, in the index order the model predicts them.</summary>
    [MinLength(2)]
    public List<string> Classes { get; init; } = [.. CompositeClasses];

    public static ProtocolOptions Composite { get; } = new();

    /// <summary>LOSO within one database, scored on that database's own classes (e.g. CASME II's five emotions).</summary>
    public static ProtocolOptions SingleDatabase(string database, IEnumerable<string> classes) =>
        new() { Databases = [database], Classes = [.. classes] };
}
