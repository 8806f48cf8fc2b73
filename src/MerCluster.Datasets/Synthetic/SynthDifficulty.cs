namespace MerCluster.Datasets.Synthetic;

/// <summary>How hard the micro-expression twin is to classify (CK+ macro trees are the same at both).</summary>
public enum SynthDifficulty
{
    /// <summary>Clearly separable: motions of 0.5-3.5 px on a still head, every subject expressing a class the same way.
    /// For fast tests that need a model to learn in a few epochs.</summary>
    Easy,

    /// <summary>Like the real databases: sub-pixel to about 2 px at the 224x224 face crop, subjects that differ more and
    /// express each class in their own way, head motion and illumination flicker unrelated to the class, and a few
    /// ambiguous clips (see <see cref="HardTwin"/>).</summary>
    Hard,
}
