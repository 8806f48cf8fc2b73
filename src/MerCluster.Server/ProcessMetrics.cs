using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using MerCluster.Core.Telemetry;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Server;

/// <summary>Creates the exporter of a process's /metrics: the process-wide meters and the meters its components own.</summary>
public static class ProcessMetrics
{
    public static PrometheusExporter CreateExporter(params Meter[] owned)
    {
        // Instruments exist once their static holder is initialised; doing it here puts every family in the first
        // scrape, before anything was recorded, so dashboards find them.
        RuntimeHelpers.RunClassConstructor(typeof(MerMetrics).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(FeatureCacheMetrics).TypeHandle);
        return PrometheusExporter.ForProcess(owned);
    }
}
