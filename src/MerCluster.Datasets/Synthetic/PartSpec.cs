using MerCluster.Core;
namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// What one database's synthetic part holds: its composite subjects, subjects with only dropped clips, how many clips
/// of each emotion map to a class or are dropped, and clips with fixed names (the official exclusions).
/// </summary>
internal sealed record PartSpec(
    string Database,
    int[] Subjects,
    int[] DroppedOnlySubjects,
    (string Emotion, int Count)[] Mapped,
    (string Emotion, int Count)[] Dropped,
    (int Subject, string Clip, string Emotion)[] Named)
{
    /// <summary>DOMAIN.md's table: SMIC-HS 16 subjects 70/51/43, CASME II 24 subjects 88/32/25, SAMM 28 subjects 92/26/15.</summary>
    public static readonly PartSpec[] Full =
    [
        new(DatabaseIds.Smic, [1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 18, 19, 20], [],
            [("negative", 70), ("positive", 51), ("surprise", 43)], [], []),
        new(DatabaseIds.Casme2, [.. Enumerable.Range(1, 26).Except([13, 21])], [13, 21],
            [("disgust", 61), ("repression", 27), ("happiness", 32), ("surprise", 25)],
            [("others", 12), ("fear", 2), ("sadness", 4)],
            [(4, "EP12_01f", "disgust"), (5, "EP12_03f", "happiness"), (24, "EP02_07", "repression")]),
        new(DatabaseIds.Samm, [.. Enumerable.Range(6, 32).Except([10, 27, 29, 33])], [10, 27, 29, 33],
            [("Anger", 57), ("Contempt", 12), ("Disgust", 9), ("Fear", 8), ("Sadness", 6), ("Happiness", 26), ("Surprise", 15)],
            [("Other", 12)], []),
    ];

    public static readonly PartSpec[] Small =
    [
        new(DatabaseIds.Smic, [1, 2, 3], [], [("negative", 3), ("positive", 3), ("surprise", 3)], [], []),
        new(DatabaseIds.Casme2, [1, 2, 3], [], [("disgust", 2), ("repression", 1), ("happiness", 3), ("surprise", 3)], [("others", 1)], []),
        new(DatabaseIds.Samm, [6, 7, 8], [], [("Anger", 1), ("Contempt", 1), ("Disgust", 1), ("Happiness", 3), ("Surprise", 3)], [("Other", 1)], []),
    ];

    /// <summary>
    /// CK+ as Lucey et al. (2010) describe it: 123 subjects, 593 sequences, 327 with an emotion file (anger 45, contempt
    /// 18, disgust 59, fear 25, happy 69, sadness 28, surprise 83) spread over 118 subjects; the other 266 are posed
    /// expressions without one. The real subject numbers are sparse between S005 and S895; these are S005, S012, ...
    /// </summary>
    public static readonly PartSpec[] CkPlusFull = [CkPlus(
        [.. Enumerable.Range(0, 123).Where(i => i % 25 != 20).Select(i => 5 + 7 * i)],
        [.. Enumerable.Range(0, 123).Where(i => i % 25 == 20).Select(i => 5 + 7 * i)],
        [("anger", 45), ("contempt", 18), ("disgust", 59), ("fear", 25), ("happy", 69), ("sadness", 28), ("surprise", 83)],
        [("anger", 40), ("contempt", 20), ("disgust", 40), ("fear", 40), ("happy", 45), ("sadness", 40), ("surprise", 41)])];

    /// <summary>Four CK+ subjects: four labelled sequences of each class, two unlabelled ones.</summary>
    public static readonly PartSpec[] CkPlusSmall = [CkPlus(
        [5, 10, 11, 14], [],
        [("anger", 2), ("disgust", 1), ("sadness", 1), ("happy", 4), ("surprise", 4)],
        [("fear", 1), ("happy", 1)])];

    /// <summary>For CK+, "mapped" clips are the labelled sequences and "dropped" ones the sequences without an emotion file
    /// (their emotion only chooses the posed motion).</summary>
    private static PartSpec CkPlus(int[] subjects, int[] unlabelledOnly, (string, int)[] labelled, (string, int)[] unlabelled) =>
        new(DatabaseIds.CkPlus, subjects, unlabelledOnly, labelled, unlabelled, []);

    /// <summary>Deals the emotions to subjects (every composite subject gets at least one mapped clip, every
    /// dropped-only subject at least one dropped clip) and names and times the clips.</summary>
    public IEnumerable<PlannedClip> Plan(Random rng)
    {
        var assigned = new List<(int Subject, string Emotion, bool Composite, string? Name)>();
        Deal(rng, Expand(Mapped), Subjects, Subjects, composite: true, assigned);
        var everyone = Subjects.Concat(DroppedOnlySubjects).ToArray();
        Deal(rng, Expand(Dropped), DroppedOnlySubjects, everyone, composite: false, assigned);
        assigned.AddRange(Named.Select(n => (n.Subject, n.Emotion, false, (string?)n.Clip)));

        var namer = new ClipNamer(Database, rng, Named.Select(n => (n.Subject, n.Clip)));
        foreach (var (subject, emotion, composite, name) in assigned)
            yield return ClipFactory.Create(new PlannedSubject(Database, subject), name ?? namer.Next(subject, emotion), emotion, composite, rng);
    }

    private static List<string> Expand((string Emotion, int Count)[] counts) =>
        counts.SelectMany(c => Enumerable.Repeat(c.Emotion, c.Count)).ToList();

    /// <summary>The first clips go one to each of <paramref name="mustHaveOne"/>, the rest to random subjects of <paramref name="pool"/>.</summary>
    private static void Deal(Random rng, List<string> emotions, int[] mustHaveOne, int[] pool, bool composite, List<(int, string, bool, string?)> into)
    {
        if (emotions.Count < mustHaveOne.Length)
            throw new InvalidOperationException($"{emotions.Count} clips cannot give each of {mustHaveOne.Length} subjects one");
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(emotions));
        var order = mustHaveOne.ToArray();
        rng.Shuffle(order);
        for (var i = 0; i < emotions.Count; i++)
            into.Add((i < order.Length ? order[i] : pool[rng.Next(pool.Length)], emotions[i], composite, null));
    }
}
