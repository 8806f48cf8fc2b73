using MerCluster.Core;
namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Every subject and clip the generator writes, decided from the scale and seed alone (no pixels): the same plan drives
/// the trees, the sheets and the tests of the composite's counts. At full scale the clips that map to a class give exactly
/// DOMAIN.md's subjects and per-part class counts; the plan adds clips the MEGC2019 mapping must drop (CASME II others,
/// fear, sadness; SAMM Other, some on subjects with nothing else), the three officially excluded CASME II clips, and with
/// defects the sheet defects real data has (see <see cref="SheetDefect"/>). In macro mode the plan is a CK+ tree instead.
/// The hard micro twin is planned from its own stream (other names and timings, so its manifest, and every feature set
/// named by it, differs from the easy twin's of the same seed) and then made hard by <see cref="HardTwin"/>.
/// </summary>
public sealed record SynthPlan(IReadOnlyList<PlannedSubject> Subjects, IReadOnlyList<PlannedClip> Clips)
{
    /// <summary>The folder each database's tree is written to under the output folder.</summary>
    public static string FolderOf(string database) => database switch
    {
        DatabaseIds.Casme2 => "CASME2",
        DatabaseIds.Samm => "SAMM",
        DatabaseIds.Smic => "SMIC",
        DatabaseIds.CkPlus => "CK+",
        _ => throw new ArgumentOutOfRangeException(nameof(database), database, "not a database id"),
    };

    /// <summary>The databases a mode writes, each into its <see cref="FolderOf"/> folder.</summary>
    public static IReadOnlyList<string> DatabasesOf(SynthMode mode) => mode == SynthMode.Macro ? [DatabaseIds.CkPlus] : DatabaseIds.All;

    public static SynthPlan Create(SynthScale scale, int seed, bool defects, SynthMode mode = SynthMode.Micro, SynthDifficulty difficulty = SynthDifficulty.Hard)
    {
        if (defects && mode == SynthMode.Macro)
            throw new ArgumentException("sheet defects are written for the micro-expression databases only, not in macro mode", nameof(defects));
        var hard = difficulty == SynthDifficulty.Hard && mode == SynthMode.Micro;
        var rng = SeedStreams.For(seed, hard ? "plan hard" : "plan", 0);
        var clips = new List<PlannedClip>();
        var parts = (mode, scale) switch
        {
            (SynthMode.Macro, SynthScale.Full) => PartSpec.CkPlusFull,
            (SynthMode.Macro, _) => PartSpec.CkPlusSmall,
            (_, SynthScale.Full) => PartSpec.Full,
            _ => PartSpec.Small,
        };
        foreach (var part in parts)
            clips.AddRange(part.Plan(rng));
        if (defects)
            clips = DefectInjector.Inject(clips, SeedStreams.For(seed, "defects", 0));
        if (hard)
            clips = HardTwin.Apply(clips, seed);
        clips = clips
            .OrderBy(c => DatabaseIds.All.ToList().IndexOf(c.Database)).ThenBy(c => c.Subject.Number).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        return new SynthPlan(clips.Select(c => c.Subject).Distinct().ToList(), clips);
    }
}
