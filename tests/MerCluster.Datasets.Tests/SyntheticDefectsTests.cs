using MerCluster.Core;
using MerCluster.Datasets.Loaders;
using MerCluster.Datasets.Synthetic;

namespace MerCluster.Datasets.Tests;

/// <summary>A small tree with every injected defect, read back by the loaders.</summary>
public sealed class SyntheticDefectsTests(SmallTreeWithDefects tree) : IClassFixture<SmallTreeWithDefects>
{
    private PlannedClip With(string database, SheetDefect defect) => tree.Plan.Clips.Single(c => c.Database == database && c.Defect == defect);

    private DatabaseScan Scan(string database) => database switch
    {
        DatabaseIds.Casme2 => Casme2Loader.Load(tree.PathOf("CASME2")),
        DatabaseIds.Samm => SammLoader.Load(tree.PathOf("SAMM")),
        _ => SmicLoader.Load(tree.PathOf("SMIC")),
    };

    [Theory]
    [InlineData(DatabaseIds.Casme2, SheetDefect.ApexSlash, "apex '/'")]
    [InlineData(DatabaseIds.Casme2, SheetDefect.ApexEmpty, "apex missing")]
    [InlineData(DatabaseIds.Casme2, SheetDefect.OffsetZero, "offset 0")]
    [InlineData(DatabaseIds.Casme2, SheetDefect.OffsetPastEnd, "past the last frame")]
    [InlineData(DatabaseIds.Casme2, SheetDefect.ActionUnitAlternatives, "alternatives")]
    [InlineData(DatabaseIds.Samm, SheetDefect.ApexEmpty, "apex missing")]
    [InlineData(DatabaseIds.Samm, SheetDefect.ApexMinusOne, "apex '-1'")]
    [InlineData(DatabaseIds.Samm, SheetDefect.OffsetPastEnd, "past the last frame")]
    [InlineData(DatabaseIds.Samm, SheetDefect.ActionUnitAlternatives, "alternatives")]
    public void A_repairable_defect_keeps_the_clip_with_the_planned_frames_and_flags_it(string database, SheetDefect defect, string flag)
    {
        var planned = With(database, defect);
        var clip = Scan(database).Clips.Single(c => c.SampleId == planned.SampleId);
        Assert.Contains(clip.Flags, f => f.Contains(flag));
        Assert.Equal((planned.Onset, planned.Offset), (clip.Onset, clip.Offset));
        Assert.Equal(planned.FrameCount, clip.Frames.Count);
    }

    [Theory]
    [InlineData(DatabaseIds.Casme2, SheetDefect.ApexOutside, "is outside onset..offset")]
    [InlineData(DatabaseIds.Casme2, SheetDefect.MissingFolder, "is missing")]
    [InlineData(DatabaseIds.Casme2, SheetDefect.MissingFrame, "missing, first")]
    [InlineData(DatabaseIds.Samm, SheetDefect.ApexOutside, "is outside onset..offset")]
    [InlineData(DatabaseIds.Samm, SheetDefect.MissingFolder, "is missing")]
    [InlineData(DatabaseIds.Samm, SheetDefect.MissingFrame, "missing, first")]
    [InlineData(DatabaseIds.Smic, SheetDefect.MissingFrame, "missing, first")]
    public void An_excluding_defect_lists_the_clip_as_excluded_with_its_reason(string database, SheetDefect defect, string reason)
    {
        var planned = With(database, defect);
        var scan = Scan(database);
        Assert.DoesNotContain(scan.Clips, c => c.SampleId == planned.SampleId);
        var excluded = scan.Excluded.Single(e => e.Sample == planned.SampleId);
        Assert.Equal(database, excluded.Database);
        Assert.Contains(reason, excluded.Reason);
        if (defect != SheetDefect.ApexOutside)
            Assert.Contains(planned.Directory, excluded.Reason);
    }

    [Fact]
    public void Defects_do_not_change_the_clips_the_composite_keeps()
    {
        var manifest = tree.Manifest;
        Assert.Equal(tree.Plan.Clips.Where(c => c.Composite).Select(c => c.SampleId).Order(), manifest.Samples.Select(s => s.SampleId).Order());
        Assert.Equal(27, manifest.Samples.Count);
        Assert.Equal(9, manifest.Samples.Count(s => s.Label == "positive"));
    }

    [Fact]
    public void Writing_into_a_folder_that_already_holds_a_tree_is_refused_naming_it()
    {
        var error = Assert.Throws<DatasetException>(() => SyntheticDataset.Write(tree.Root, tree.Options));
        Assert.Contains(tree.PathOf("SMIC"), error.Message);
    }
}
