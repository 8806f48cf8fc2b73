using MerCluster.Core.Features;

namespace MerCluster.Training;

/// <summary>One leave-one-subject-out fold: the subjects trained on and the subject predicted.</summary>
public sealed record TrainingFold(string HeldOutSubject, IReadOnlyList<string> TrainSubjects)
{
    /// <summary>The fold that trains on every other subject of <paramref name="features"/>.</summary>
    public static TrainingFold LeaveOut(FeatureSet features, string heldOutSubject)
    {
        var subjects = features.Samples.Select(s => s.Subject).Distinct().ToList();
        if (!subjects.Contains(heldOutSubject))
            throw new ArgumentException($"subject '{heldOutSubject}' has no samples in the feature set (subjects: {string.Join(", ", subjects.Take(10))}{(subjects.Count > 10 ? ", ..." : "")})");
        return new TrainingFold(heldOutSubject, subjects.Where(s => s != heldOutSubject).ToList());
    }

    public override string ToString() => HeldOutSubject;
}
