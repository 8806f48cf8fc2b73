namespace MerCluster.Core;

/// <summary>The database ids every layer uses: the prefix of subject and sample ids (<c>casme2/sub01</c>).</summary>
public static class DatabaseIds
{
    public const string Smic = "smic";
    public const string Casme2 = "casme2";
    public const string Samm = "samm";

    /// <summary>CK+ (extended Cohn-Kanade), the macro-expression set MobileViT-SVM pretrains on; not a composite part.</summary>
    public const string CkPlus = "ckplus";

    /// <summary>The composite's parts in the order reports list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Smic, Casme2, Samm];

    public static string SubjectId(string database, string folder) => $"{database}/{folder}";

    public static string SampleId(string subjectId, string clip) => $"{subjectId}/{clip}";
}
