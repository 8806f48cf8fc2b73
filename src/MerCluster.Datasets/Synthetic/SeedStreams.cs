namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Independent, reproducible random streams derived from one seed (SplitMix64), so each subject and clip draws the same
/// numbers whatever the thread or order it is rendered in.
/// </summary>
internal static class SeedStreams
{
    public static Random For(int seed, string purpose, int index) => new(Derive(seed, purpose, index));

    public static int Derive(int seed, string purpose, int index)
    {
        var z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)index;
        foreach (var c in purpose)
            z = Mix(z ^ c);
        return (int)(Mix(z) & 0x7FFFFFFF);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
