namespace MerCluster.Datasets;

/// <summary>A dataset that cannot be read at all (missing sheet, missing header, a manifest path outside its root); the message names the file or sample.</summary>
public sealed class DatasetException(string message, Exception? inner = null) : Exception(message, inner);
