using MerCluster.Core.Features;

namespace MerCluster.Core.Protocols;

/// <summary>The protocol registry: maps a sweep's <c>protocol.name</c> to its class.</summary>
public static class EvaluationProtocols
{
    public static IReadOnlyList<string> Names { get; } = [ProtocolOptions.Loso];

    public static IEvaluationProtocol Create(ProtocolOptions options, IReadOnlyList<FeatureSample> samples) => options.Name switch
    {
        ProtocolOptions.Loso => new LosoProtocol(samples, options),
        _ => throw new ArgumentException($"unknown protocol '{options.Name}'; known: {string.Join(", ", Names)}", nameof(options)),
    };
}
