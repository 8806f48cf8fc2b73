namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// One coding-sheet row to write. Frame cells are objects so a row can carry what real sheets carry: a number, <c>"/"</c>,
/// or nothing (null).
/// </summary>
public sealed record SheetEntry(int Subject, string Filename, object? Onset, object? Apex, object? Offset, string ActionUnits, string Emotion);
