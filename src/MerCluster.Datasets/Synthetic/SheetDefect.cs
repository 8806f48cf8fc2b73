namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// The defects real coding sheets and trees have, injected by <c>--defects</c>. The first six are repaired by the
/// loaders (the clip stays, flagged); the last three exclude the clip, so the generator puts them on extra clips and the
/// composite's counts stay the official ones.
/// </summary>
public enum SheetDefect
{
    None,
    ApexSlash,
    ApexEmpty,
    ApexMinusOne,
    OffsetZero,
    OffsetPastEnd,
    ActionUnitAlternatives,
    ApexOutside,
    MissingFolder,
    MissingFrame,
}
