namespace MerCluster.Pipeline;

/// <summary>A clip that cannot be preprocessed; the message names the clip and the file or step at fault.</summary>
public sealed class PreprocessingException(string clip, string message, Exception? inner = null)
    : Exception($"{clip}: {message}", inner)
{
    public string Clip { get; } = clip;
}
