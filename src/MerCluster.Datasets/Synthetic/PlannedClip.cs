using MerCluster.Core;
using MerCluster.Datasets.Loaders;

namespace MerCluster.Datasets.Synthetic;

/// <summary>A synthetic subject: database and subject number.</summary>
public sealed record PlannedSubject(string Database, int Number)
{
    /// <summary><c>sub01</c>, <c>006</c>, <c>S005</c> or <c>s1</c>.</summary>
    public string Folder => Database switch
    {
        DatabaseIds.Casme2 => $"sub{Number:00}",
        DatabaseIds.Samm => $"{Number:000}",
        DatabaseIds.CkPlus => CkPlusLayout.SubjectFolder(Number),
        _ => $"s{Number}",
    };

    public string Id => DatabaseIds.SubjectId(Database, Folder);
}

/// <summary>
/// One clip the generator writes: who, which emotion and motion, its frame numbers (onset..offset, all written unless a
/// defect says otherwise), apex amplitude in pixels and, for CASME II and SAMM, the sheet row as written (defects included).
/// </summary>
public sealed record PlannedClip
{
    public required PlannedSubject Subject { get; init; }
    public required string Name { get; init; }
    public required string Emotion { get; init; }
    public required FacialMotion Motion { get; init; }
    public required string ActionUnits { get; init; }
    public required int Onset { get; init; }
    public required int FrameCount { get; init; }

    /// <summary>Apex position within the clip (0 = onset).</summary>
    public required int ApexIndex { get; init; }

    /// <summary>Largest landmark displacement at the apex, in pixels.</summary>
    public required double Amplitude { get; init; }

    /// <summary>How the subject expresses the motion (region gains, asymmetry); the same for all of a subject's clips.</summary>
    public ExpressionStyle Style { get; init; } = ExpressionStyle.Neutral;

    /// <summary>A second facial action mixed in at <see cref="BlendWeight"/> times the amplitude (another class's): an
    /// ambiguous clip, labelled as its emotion says but looking partly like another class. Null: none.</summary>
    public FacialMotion? Blend { get; init; }

    public double BlendWeight { get; init; }

    /// <summary>The head's rigid motion over the clip, unrelated to the class.</summary>
    public HeadMotion Head { get; init; } = HeadMotion.None;

    /// <summary>Illumination flicker: the standard deviation of each frame's brightness gain around 1 (0: steady light).</summary>
    public double Flicker { get; init; }

    /// <summary>Sensor noise as a multiple of the easy twin's.</summary>
    public double Noise { get; init; } = 1;

    /// <summary>Whether the plan's class set must keep this clip (its emotion maps to a class and no exclusion applies): the
    /// MEGC2019 composite for micro-expressions, ckplus-3class for CK+, where it means the sequence has an emotion file.</summary>
    public required bool Composite { get; init; }

    public SheetDefect Defect { get; init; }

    /// <summary>The apex cell as written: the apex, or what a defect puts there (<c>"/"</c>, nothing, -1, a frame past the offset).</summary>
    public required object? SheetApex { get; init; }

    /// <summary>The offset cell as written: the offset, or 0 or a frame past the last one.</summary>
    public required object? SheetOffset { get; init; }

    public required string SheetActionUnits { get; init; }

    /// <summary>The coding-sheet row (null for SMIC-HS and CK+, which have no sheet).</summary>
    public SheetEntry? Sheet => Database is DatabaseIds.Casme2 or DatabaseIds.Samm
        ? new SheetEntry(Subject.Number, Name, Onset, SheetApex, SheetOffset, SheetActionUnits, Emotion) : null;

    /// <summary>CK+'s emotion file for a labelled sequence, relative to the CK+ root, named after the peak (last) frame; else null.</summary>
    public string? EmotionFile => Database == DatabaseIds.CkPlus && Composite ? CkPlusLayout.EmotionFile(Subject.Number, Name, Offset) : null;

    public string Database => Subject.Database;

    public string SampleId => DatabaseIds.SampleId(Subject.Id, Name);

    public int Apex => Onset + ApexIndex;

    public int Offset => Onset + FrameCount - 1;

    /// <summary>The frame left out by a <see cref="SheetDefect.MissingFrame"/> defect.</summary>
    public int? MissingFrame => Defect == SheetDefect.MissingFrame ? Onset + FrameCount / 2 : null;

    /// <summary>Whether the clip folder is written at all.</summary>
    public bool HasFolder => Defect != SheetDefect.MissingFolder;

    /// <summary>The clip folder relative to its database's root, in the official layout.</summary>
    public string Directory => Database switch
    {
        DatabaseIds.Casme2 => $"{Subject.Folder}/{Name}",
        DatabaseIds.Samm => $"{Subject.Folder}/{Name}",
        DatabaseIds.CkPlus => CkPlusLayout.SequenceDirectory(Subject.Number, Name),
        _ => $"HS/{Subject.Folder}/micro/{Emotion}/{Name}",
    };

    /// <summary>The official file name of frame <paramref name="frame"/>: <c>img46.jpg</c>, <c>006_05562.jpg</c>, <c>S005_001_00000001.png</c>, <c>image001046.bmp</c>.</summary>
    public string FrameFile(int frame) => Database switch
    {
        DatabaseIds.Casme2 => $"img{frame}.jpg",
        DatabaseIds.Samm => $"{Subject.Number:000}_{frame:00000}.jpg",
        DatabaseIds.CkPlus => CkPlusLayout.FrameFile(Subject.Number, Name, frame),
        _ => $"image{frame:000000}.bmp",
    };
}
