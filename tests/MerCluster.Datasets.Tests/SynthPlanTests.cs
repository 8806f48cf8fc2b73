using MerCluster.Core;
using MerCluster.Datasets.Synthetic;

namespace MerCluster.Datasets.Tests;

public sealed class SynthPlanTests
{
    [Fact]
    public void The_plan_is_a_function_of_scale_seed_defects_and_difficulty()
    {
        foreach (var difficulty in new[] { SynthDifficulty.Easy, SynthDifficulty.Hard })
        {
            Assert.Equal(SynthPlan.Create(SynthScale.Full, 4, true, difficulty: difficulty).Clips, SynthPlan.Create(SynthScale.Full, 4, true, difficulty: difficulty).Clips);
            Assert.NotEqual(SynthPlan.Create(SynthScale.Full, 4, false, difficulty: difficulty).Clips, SynthPlan.Create(SynthScale.Full, 5, false, difficulty: difficulty).Clips);
        }
        Assert.NotEqual(SynthPlan.Create(SynthScale.Full, 4, false, difficulty: SynthDifficulty.Easy).Clips, SynthPlan.Create(SynthScale.Full, 4, false).Clips);
    }

    [Theory]
    [InlineData(SynthScale.Full)]
    [InlineData(SynthScale.Small)]
    public void Clips_are_short_with_the_apex_inside_and_a_micro_expression_amplitude(SynthScale scale)
    {
        foreach (var difficulty in new[] { SynthDifficulty.Easy, SynthDifficulty.Hard })
            foreach (var clip in SynthPlan.Create(scale, 1, true, difficulty: difficulty).Clips)
            {
                Assert.InRange(clip.FrameCount, 9, 15);
                Assert.InRange(clip.Apex, clip.Onset + 2, clip.Offset - 2);
                if (difficulty == SynthDifficulty.Easy)
                    Assert.InRange(clip.Amplitude, 0.5, 3.5);
                else
                    Assert.InRange(clip.Amplitude, 0.15, 0.9);
            }
    }

    [Fact]
    public void Clip_names_are_unique_per_subject_and_follow_each_database_convention()
    {
        var clips = SynthPlan.Create(SynthScale.Full, 1, true).Clips;
        Assert.Equal(clips.Count, clips.Select(c => c.SampleId).Distinct().Count());
        Assert.All(clips.Where(c => c.Database == DatabaseIds.Casme2), c => Assert.Matches(@"^EP\d\d_\d\df?$", c.Name));
        Assert.All(clips.Where(c => c.Database == DatabaseIds.Samm), c => Assert.StartsWith($"{c.Subject.Number:000}_", c.Name));
        Assert.All(clips.Where(c => c.Database == DatabaseIds.Smic), c => Assert.Matches($@"^s{c.Subject.Number}_(po|ne|sur)_\d\d$", c.Name));
    }

    [Fact]
    public void Classes_move_the_face_as_the_issue_specifies()
    {
        var clips = SynthPlan.Create(SynthScale.Full, 1, false).Clips;
        Assert.All(clips.Where(c => c.Emotion is "happiness" or "Happiness" or "positive"), c => Assert.Equal(FacialMotion.Smile, c.Motion));
        Assert.All(clips.Where(c => c.Emotion is "surprise" or "Surprise"), c => Assert.Equal(FacialMotion.BrowsUpJawDrop, c.Motion));
        Assert.All(clips.Where(c => c.Composite && c.Emotion is "negative" or "disgust" or "repression" or "Anger" or "Contempt" or "Disgust" or "Fear" or "Sadness"),
            c => Assert.Contains(c.Motion, new[] { FacialMotion.BrowLowerLipDepress, FacialMotion.BrowLowerNoseWrinkle }));
    }
}
