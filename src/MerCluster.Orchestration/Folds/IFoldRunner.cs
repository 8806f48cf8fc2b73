using MerCluster.Core.Metrics;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// Runs one fold: trains on the fold's train rows and predicts every test row. Cancellation means the silo is
/// stopping, the sweep was cancelled, or the attempt was given up: a runner that can stop early throws <see cref="OperationCanceledException"/>.
/// </summary>
public interface IFoldRunner
{
    Task<IReadOnlyList<SamplePrediction>> RunAsync(FoldJob job, CancellationToken cancellationToken);
}
