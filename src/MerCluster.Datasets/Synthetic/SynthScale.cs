namespace MerCluster.Datasets.Synthetic;

/// <summary>How much synthetic data to write.</summary>
public enum SynthScale
{
    /// <summary>Micro: the MEGC2019 composite's exact subjects and per-part class counts, plus the clips the mapping must
    /// exclude. Macro: CK+'s 123 subjects and 593 sequences, 327 of them labelled with CK+'s per-emotion counts.</summary>
    Full,

    /// <summary>Micro: three subjects per database, one clip of each composite class per subject. Macro: four CK+ subjects,
    /// twelve labelled sequences (four per class) and two unlabelled. Enough for end-to-end tests.</summary>
    Small,
}
