namespace MerCluster.Datasets.Synthetic;

/// <summary>Which expressions the generator writes.</summary>
public enum SynthMode
{
    /// <summary>Micro-expressions: CASME II, SAMM and SMIC-HS trees (short clips, small motions; see <see cref="SynthDifficulty"/>).</summary>
    Micro,

    /// <summary>Macro-expressions: a CK+ tree (sequences from neutral to peak, longer, motions several times larger), for
    /// MobileViT-SVM's pretraining stage.</summary>
    Macro,
}
