using MerCluster.Core.Features;
using MerCluster.Core.Protocols;

namespace MerCluster.Training.Tests;

internal static class Folds
{
    /// <summary>The LOSO fold of <paramref name="set"/> that holds out <paramref name="subject"/> (what `mer train --holdout` trains).</summary>
    public static Fold LeaveOut(FeatureSet set, string subject) => LosoProtocol.Over(set).Fold(subject);
}
