namespace MerCluster.Vision;

/// <summary>The channel layout an image file is decoded to (the value is the native channel request).</summary>
public enum ImageColor
{
    /// <summary>Gray files stay gray (1 channel); everything else becomes BGR.</summary>
    AsStored = 0,
    Gray = 1,
    Bgr = 3,
}
