using MerCluster.Core.Metrics;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Workers;

/// <summary>
/// Runs one fold: trains on the fold's train rows and predicts every test row. Cancellation means the worker is
/// stopping or lost its lease: a runner that can stop early throws <see cref="OperationCanceledException"/>.
/// </summary>
public interface IFoldRunner
{
    Task<IReadOnlyList<SamplePrediction>> RunAsync(FoldJob job, CancellationToken cancellationToken);
}
