using MerCluster.Core;
namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Puts each real-sheet defect into a plan: the repairable ones on clips the composite keeps (they stay, flagged), the
/// excluding ones on extra clips with a mapped emotion (they are listed as excluded), so the composite's counts do not move.
/// </summary>
internal static class DefectInjector
{
    private static readonly Dictionary<string, SheetDefect[]> Repairable = new()
    {
        [DatabaseIds.Casme2] = [SheetDefect.ApexSlash, SheetDefect.ApexEmpty, SheetDefect.OffsetZero, SheetDefect.OffsetPastEnd, SheetDefect.ActionUnitAlternatives],
        [DatabaseIds.Samm] = [SheetDefect.ApexEmpty, SheetDefect.ApexMinusOne, SheetDefect.OffsetPastEnd, SheetDefect.ActionUnitAlternatives],
    };

    private static readonly Dictionary<string, SheetDefect[]> Excluding = new()
    {
        [DatabaseIds.Casme2] = [SheetDefect.ApexOutside, SheetDefect.MissingFolder, SheetDefect.MissingFrame],
        [DatabaseIds.Samm] = [SheetDefect.ApexOutside, SheetDefect.MissingFolder, SheetDefect.MissingFrame],
        [DatabaseIds.Smic] = [SheetDefect.MissingFrame],
    };

    private static readonly Dictionary<string, string> MappedEmotion = new()
    {
        [DatabaseIds.Casme2] = "happiness",
        [DatabaseIds.Samm] = "Happiness",
        [DatabaseIds.Smic] = "positive",
    };

    public static List<PlannedClip> Inject(List<PlannedClip> clips, Random rng)
    {
        var result = clips.ToList();
        foreach (var (database, defects) in Repairable)
        {
            var candidates = result.Select((c, i) => (c, i)).Where(x => x.c.Database == database && x.c.Composite).Select(x => x.i).ToArray();
            rng.Shuffle(candidates);
            for (var d = 0; d < defects.Length; d++)
                result[candidates[d]] = WithDefect(result[candidates[d]], defects[d], rng);
        }
        foreach (var (database, defects) in Excluding)
        {
            var subjects = result.Where(c => c.Database == database && c.Composite).Select(c => c.Subject).Distinct().ToArray();
            foreach (var defect in defects)
            {
                var subject = subjects[rng.Next(subjects.Length)];
                var used = result.Where(c => c.Subject == subject).Select(c => c.Name).ToHashSet();
                var name = database switch
                {
                    DatabaseIds.Casme2 => $"EP{90 + (int)defect:00}_01",
                    DatabaseIds.Samm => $"{subject.Number:000}_9_{(int)defect}",
                    _ => $"{subject.Folder}_po_{90 + (int)defect}",
                };
                if (used.Contains(name))
                    throw new InvalidOperationException($"defect clip name {name} is taken in {subject.Id}");
                var extra = ClipFactory.Create(subject, name, MappedEmotion[database], composite: false, rng);
                result.Add(WithDefect(extra, defect, rng));
            }
        }
        return result;
    }

    private static PlannedClip WithDefect(PlannedClip clip, SheetDefect defect, Random rng) => defect switch
    {
        SheetDefect.ApexSlash => clip with { Defect = defect, SheetApex = "/" },
        SheetDefect.ApexEmpty => clip with { Defect = defect, SheetApex = null },
        SheetDefect.ApexMinusOne => clip with { Defect = defect, SheetApex = -1 },
        SheetDefect.OffsetZero => clip with { Defect = defect, SheetOffset = 0 },
        SheetDefect.OffsetPastEnd => clip with { Defect = defect, SheetOffset = clip.Offset + rng.Next(2, 30) },
        SheetDefect.ActionUnitAlternatives => clip with { Defect = defect, SheetActionUnits = $"{clip.ActionUnits} or {clip.ActionUnits.Split('+')[^1]}" },
        SheetDefect.ApexOutside => clip with { Defect = defect, SheetApex = clip.Offset + rng.Next(1, 6) },
        _ => clip with { Defect = defect },
    };
}
