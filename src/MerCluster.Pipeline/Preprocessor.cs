using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Clips;
using MerCluster.Pipeline.Steps;
using MerCluster.Vision;

namespace MerCluster.Pipeline;

/// <summary>
/// Runs one pipeline over clips: builds each clip's feature graph (keys only, from the frames' content hashes), then
/// computes the outputs through the cache. Safe to use from several threads at once (one face model, one cache).
/// </summary>
public sealed class Preprocessor(PipelineOptions options, FeatureCache cache, FaceModel faces)
{
    private readonly FeatureGraph _graph = new(cache);

    public PipelineOptions Options { get; } = options;

    public FeatureCache Cache => _graph.Cache;

    /// <summary>
    /// The graph of <paramref name="clip"/>: hashes the frames its outputs depend on (onset and apex, or the whole
    /// onset..offset span for the dynamic image and magnification; an unreadable file is an error naming it) and
    /// computes nothing else, except the apex of an SMIC-HS clip under <c>smic_apex: max_flow</c> (through the cache),
    /// which the apex features' keys depend on.
    /// </summary>
    public ClipFeatures Plan(Clip clip)
    {
        try
        {
            return new ClipFeatures(clip, _graph, faces, Options, clip.Span.Select(FrameFile.At).ToList());
        }
        catch (IOException e)
        {
            throw new PreprocessingException(clip.Name, e.Message, e);
        }
    }
}
