using MerCluster.Datasets.Composite;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Manifests;
using MerCluster.Datasets.Synthetic;

namespace MerCluster.Datasets.Tests;

/// <summary>A synthetic tree written once per test class that uses it, with its plan and its MEGC2019 manifest.</summary>
public abstract class SyntheticTree : IDisposable
{
    private readonly TempTree _tree = new();

    protected SyntheticTree(SynthOptions options)
    {
        Options = options;
        Plan = SyntheticDataset.Write(_tree.Root, options);
        Manifest = LoadComposite(_tree.Root);
    }

    public SynthOptions Options { get; }

    public SynthPlan Plan { get; }

    public Manifest Manifest { get; }

    public string Root => _tree.Root;

    public string PathOf(params string[] parts) => _tree.PathOf(parts);

    /// <summary>Asserts that every <paramref name="every"/>-th clip's onset, apex and offset frames are byte-identical under both roots.</summary>
    public static void AssertSameFrames(SynthPlan plan, Func<string, string> expected, Func<string, string> actual, int every)
    {
        foreach (var clip in plan.Clips.Where((_, i) => i % every == 0))
            foreach (var frame in new[] { clip.Onset, clip.Apex, clip.Offset })
            {
                var relative = Path.Combine(SynthPlan.FolderOf(clip.Database), clip.Directory, clip.FrameFile(frame));
                Assert.Equal(File.ReadAllBytes(expected(relative)), File.ReadAllBytes(actual(relative)));
            }
    }

    public static Manifest LoadComposite(string root) => CompositeBuilder.Load(ClassSet.Named(ClassSet.Megc2019),
        Path.Combine(root, "SMIC"), Path.Combine(root, "CASME2"), Path.Combine(root, "SAMM"));

    public void Dispose()
    {
        _tree.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Full scale with empty frame files: the same plan, layout, sheets, loaders and composite builder as a rendered tree, without the pixels.</summary>
public sealed class FullTree() : SyntheticTree(new SynthOptions { Scale = SynthScale.Full, Seed = 7, Pixels = false });

/// <summary>The easy twin of <see cref="FullTree"/> (same seed).</summary>
public sealed class FullEasyTree() : SyntheticTree(new SynthOptions { Scale = SynthScale.Full, Seed = 7, Pixels = false, Difficulty = SynthDifficulty.Easy });

public sealed class FullTreeWithDefects() : SyntheticTree(new SynthOptions { Scale = SynthScale.Full, Seed = 3, Defects = true, Pixels = false });

public sealed class SmallTreeWithDefects() : SyntheticTree(new SynthOptions { Scale = SynthScale.Small, Seed = 11, Defects = true, Pixels = false });

/// <summary>Small scale with rendered frames, easy: the class motions stand out.</summary>
public sealed class SmallRenderedTree() : SyntheticTree(new SynthOptions { Scale = SynthScale.Small, Seed = 5, Threads = 2, Difficulty = SynthDifficulty.Easy });

/// <summary>Small scale with rendered frames, hard (the default), same seed as <see cref="SmallRenderedTree"/>.</summary>
public sealed class SmallRenderedHardTree() : SyntheticTree(new SynthOptions { Scale = SynthScale.Small, Seed = 5, Threads = 2 });
