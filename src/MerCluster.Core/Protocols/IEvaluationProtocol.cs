using MerCluster.Core.Metrics;

namespace MerCluster.Core.Protocols;

/// <summary>
/// An evaluation protocol in the sense of the MEB toolkit's Validator: it knows its folds and how to score a run's
/// pooled predictions per part. A new protocol (cross-database, per-AU) is a sibling class, not a flag.
/// </summary>
public interface IEvaluationProtocol
{
    string Name { get; }

    IReadOnlyList<string> Classes { get; }

    /// <summary>The databases reported separately, in report order.</summary>
    IReadOnlyList<string> Parts { get; }

    IReadOnlyList<Fold> Folds { get; }

    /// <summary>The fold called <paramref name="name"/>, or an error naming it.</summary>
    Fold Fold(string name);

    /// <summary>Pooled and per-fold scores; a prediction for a sample outside the protocol, or whose label disagrees with the sample's, is an error naming the sample.</summary>
    ProtocolScore Score(IEnumerable<Prediction> predictions);
}
