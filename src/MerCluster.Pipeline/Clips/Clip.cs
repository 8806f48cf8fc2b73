namespace MerCluster.Pipeline.Clips;

/// <summary>
/// One micro-expression clip: its frame files in temporal order and the 0-based positions of onset, apex and offset
/// in that list (onset &lt;= apex &lt;= offset). <see cref="Name"/> names it in errors (a sample id or a folder).
/// </summary>
public sealed record Clip
{
    public Clip(string name, IReadOnlyList<string> frames, int onset, int apex, int offset)
    {
        if (frames.Count < 2)
            throw new PreprocessingException(name, $"a clip needs at least 2 frames, found {frames.Count}");
        if (onset < 0 || apex < onset || offset < apex || offset >= frames.Count)
            throw new PreprocessingException(name, $"onset {onset}, apex {apex}, offset {offset} must satisfy 0 <= onset <= apex <= offset < {frames.Count} (frame positions)");
        if (apex == onset)
            throw new PreprocessingException(name, $"apex and onset are the same frame ({Path.GetFileName(frames[onset])}): there is no motion to measure");
        Name = name;
        Frames = frames;
        Onset = onset;
        Apex = apex;
        Offset = offset;
    }

    public string Name { get; }

    /// <summary>The database the clip comes from (<c>smic</c>, <c>casme2</c>...), or null for frames from elsewhere (a folder, a clip list).</summary>
    public string? Database { get; init; }
    public IReadOnlyList<string> Frames { get; }
    public int Onset { get; }
    public int Apex { get; }
    public int Offset { get; }

    public string OnsetFrame => Frames[Onset];
    public string ApexFrame => Frames[Apex];

    /// <summary>The frames from onset to offset, the span the dynamic image and magnification look at.</summary>
    public IReadOnlyList<string> Span => Frames.Skip(Onset).Take(Offset - Onset + 1).ToList();
}
