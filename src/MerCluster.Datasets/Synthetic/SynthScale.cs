namespace MerCluster.Datasets.Synthetic;

/// <summary>How much synthetic data to write.</summary>
public enum SynthScale
{
    /// <summary>The MEGC2019 composite's exact subjects and per-part class counts, plus the clips the mapping must exclude.</summary>
    Full,

    /// <summary>Three subjects per database, one clip of each composite class per subject: enough for end-to-end tests.</summary>
    Small,
}
