namespace MerCluster.Datasets.Synthetic;

/// <summary>The facial actions a synthetic clip performs between onset and offset, named by their FACS action units.</summary>
public enum FacialMotion
{
    /// <summary>AU6+12: lip corners up and out, cheeks raised (positive).</summary>
    Smile,

    /// <summary>AU4+15: brows lowered and drawn together, lip corners pulled down (negative).</summary>
    BrowLowerLipDepress,

    /// <summary>AU4+9: brows lowered, nose wrinkled, upper lip raised (negative, disgust).</summary>
    BrowLowerNoseWrinkle,

    /// <summary>AU1+2+5+26: brows and upper lids up, jaw dropped (surprise).</summary>
    BrowsUpJawDrop,

    /// <summary>AU1+15: inner brows raised, lip corners down (sadness, fear: dropped by the composite).</summary>
    InnerBrowRaise,

    /// <summary>AU24: lips pressed together ("others").</summary>
    LipPress,
}
