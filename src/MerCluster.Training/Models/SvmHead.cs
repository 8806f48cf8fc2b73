using MerCluster.Core.Features;

namespace MerCluster.Training.Models;

/// <summary>
/// Seed 004's classification step: after the network is trained, an SVM is fitted on its penultimate features of
/// the training samples and predicts the held-out ones in place of the softmax head.
/// </summary>
public static class SvmHead
{
    /// <summary>Per held-out sample, the SVM's class scores (<see cref="SupportVectorMachine.Scores"/>) in the feature set's class order.</summary>
    public static float[][] Predict(Trainer trainer, FeatureSet train, FeatureSet heldOut, SvmOptions options, string? fold = null)
    {
        var labels = train.LabelIndices().Select(l => (int)l).ToArray();
        var svm = SupportVectorMachine.Fit(trainer.Features(train, fold), labels, train.Classes.Count, options);
        return trainer.Features(heldOut, fold).Select(svm.Scores).ToArray();
    }
}
