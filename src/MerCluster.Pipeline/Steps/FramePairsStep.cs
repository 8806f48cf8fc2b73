namespace MerCluster.Pipeline.Steps;

/// <summary>
/// FRL-DGT's extra self-supervision data: K pairs of different aligned frames of the clip's onset..offset, drawn by a
/// generator seeded from the step's own cache key (the frames' hashes and the options), so the same clip always gives
/// the same pairs and the feature cache stays exact. [6K, size, size] BGR in 0..1; a clip of one frame pairs it with
/// itself.
/// </summary>
public static class FramePairsStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> face, IReadOnlyList<FrameFile> span, AlignmentOptions alignment, FramePairsOptions options)
    {
        var inputs = new[] { face.Key }.Concat(span.Select(f => f.Key)).ToList();
        var parameters = new { alignment, options.Count, options.Seed };
        var seed = BitConverter.ToInt32(Convert.FromHexString(Cache.FeatureKey.For("frame_pairs", 1, parameters, inputs).Hex[..8]));
        return graph.Node("frame_pairs", 1, parameters, inputs, () =>
        {
            var pairs = Draw(span.Count, options.Count, seed);
            var used = pairs.SelectMany(p => new[] { p.First, p.Second }).Distinct().ToList();
            var aligned = AlignStep.Span(face, used.Select(i => span[i]).ToList(), alignment);
            var byPosition = used.Select((position, i) => (position, i)).ToDictionary(x => x.position, x => aligned[x.i]);
            return Tensors.ToChannelsFirst(pairs.SelectMany(p => new[] { byPosition[p.First], byPosition[p.Second] }).ToList());
        });
    }

    /// <summary>The frame positions of <paramref name="count"/> pairs in a span of <paramref name="frames"/>: two different frames each (when there are two), in random order.</summary>
    public static IReadOnlyList<(int First, int Second)> Draw(int frames, int count, int seed)
    {
        var random = new Random(seed);
        var pairs = new List<(int, int)>(count);
        for (var k = 0; k < count; k++)
        {
            var first = random.Next(frames);
            var second = frames < 2 ? first : (first + 1 + random.Next(frames - 1)) % frames;
            pairs.Add((first, second));
        }
        return pairs;
    }
}
