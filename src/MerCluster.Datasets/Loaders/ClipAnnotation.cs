using MerCluster.Core;
namespace MerCluster.Datasets.Loaders;

/// <summary>
/// A clip's metadata as the database gives it, cells still as text (a coding-sheet row, or what SMIC's folders imply).
/// <paramref name="Where"/> says where it came from (sheet and row, or folder) for repair and exclusion messages.
/// </summary>
internal sealed record ClipAnnotation(
    string Database,
    string SubjectFolder,
    string ClipName,
    string Emotion,
    string? ActionUnits,
    string? Onset,
    string? Apex,
    string? Offset,
    string Where)
{
    public string Subject => DatabaseIds.SubjectId(Database, SubjectFolder);

    public string SampleId => DatabaseIds.SampleId(Subject, ClipName);
}
