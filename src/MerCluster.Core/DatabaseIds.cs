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

    /// <summary>
    /// The frame rate <paramref name="database"/> was recorded at (SMIC-HS 100 fps, CASME II and SAMM 200 fps), or null
    /// for a database whose rate is not known here.
    /// </summary>
    public static double? FrameRate(string? database) => database switch
    {
        Smic => 100,
        Casme2 or Samm => 200,
        _ => null,
    };

    public static string SubjectId(string database, string folder) => $"{database}/{folder}";

    public static string SampleId(string subjectId, string clip) => $"{subjectId}/{clip}";
}
