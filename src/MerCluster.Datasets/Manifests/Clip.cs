using MerCluster.Core;
using System.Text.Json.Serialization;

namespace MerCluster.Datasets.Manifests;

/// <summary>
/// One clip as its database describes it, before any class mapping: who, which emotion and AUs, and the frames from
/// onset to offset (absolute frame numbers; <see cref="Frames"/>[i] is frame <see cref="Onset"/> + i).
/// </summary>
public sealed record Clip
{
    /// <summary><c>smic</c>, <c>casme2</c> or <c>samm</c>.</summary>
    public required string Database { get; init; }

    /// <summary>The prefixed subject id, e.g. <c>casme2/sub01</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>The clip's folder name, e.g. <c>EP02_01f</c>; with the frame it ends at where a class set makes several samples of one clip (<c>001/f11</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The emotion as the database spells it (<c>happiness</c>, <c>Anger</c>, <c>positive</c>...).</summary>
    public required string Emotion { get; init; }

    /// <summary>The action-unit codes; several entries when the sheet gives alternatives ("4+7 or 4+9").</summary>
    public required IReadOnlyList<string> ActionUnits { get; init; }

    /// <summary>Frame files onset..offset, relative to the database root.</summary>
    public required IReadOnlyList<string> Frames { get; init; }

    public required int Onset { get; init; }
    public required int Apex { get; init; }
    public required int Offset { get; init; }

    /// <summary>What was repaired or is doubtful about this clip's metadata, one sentence each.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>The prefixed sample id, e.g. <c>casme2/sub01/EP02_01f</c>.</summary>
    [JsonIgnore]
    public string SampleId => DatabaseIds.SampleId(Subject, Name);

    /// <summary>The relative path of absolute frame <paramref name="frameNumber"/>.</summary>
    public string FrameAt(int frameNumber) =>
        frameNumber >= Onset && frameNumber <= Offset ? Frames[frameNumber - Onset]
        : throw new ArgumentOutOfRangeException(nameof(frameNumber), $"{SampleId}: frame {frameNumber} is outside onset..offset {Onset}..{Offset}");

    [JsonIgnore]
    public string OnsetFrame => FrameAt(Onset);

    [JsonIgnore]
    public string ApexFrame => FrameAt(Apex);
}
