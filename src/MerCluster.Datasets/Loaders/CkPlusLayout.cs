using System.Globalization;

namespace MerCluster.Datasets.Loaders;

/// <summary>
/// CK+ (extended Cohn-Kanade) as distributed, shared by its loader and the generator's macro mode:
/// <c>&lt;root&gt;/cohn-kanade-images/S005/001/S005_001_00000001.png</c> (frames from neutral to peak) and, for the
/// sequences that carry a prototypic emotion, <c>&lt;root&gt;/Emotion/S005/001/S005_001_00000011_emotion.txt</c>, named
/// after the peak frame and holding one number (written <c>   3.0000000e+00</c>).
/// </summary>
public static class CkPlusLayout
{
    public const string ImagesFolder = "cohn-kanade-images";

    public const string EmotionFolder = "Emotion";

    /// <summary>The emotion of each code, by index: CK+'s 0=neutral 1=anger 2=contempt 3=disgust 4=fear 5=happy 6=sadness 7=surprise.</summary>
    public static readonly IReadOnlyList<string> Emotions = ["neutral", "anger", "contempt", "disgust", "fear", "happy", "sadness", "surprise"];

    public const string EmotionSuffix = "_emotion.txt";

    /// <summary><c>S005</c>.</summary>
    public static string SubjectFolder(int subject) => $"S{subject:000}";

    /// <summary><c>cohn-kanade-images/S005/001</c>.</summary>
    public static string SequenceDirectory(int subject, string sequence) => $"{ImagesFolder}/{SubjectFolder(subject)}/{sequence}";

    /// <summary><c>S005_001_00000011.png</c>.</summary>
    public static string FrameFile(int subject, string sequence, int frame) => $"{SubjectFolder(subject)}_{sequence}_{frame:00000000}.png";

    /// <summary><c>Emotion/S005/001/S005_001_00000011_emotion.txt</c> for a sequence whose peak is <paramref name="peakFrame"/>.</summary>
    public static string EmotionFile(int subject, string sequence, int peakFrame) =>
        $"{EmotionFolder}/{SubjectFolder(subject)}/{sequence}/{SubjectFolder(subject)}_{sequence}_{peakFrame:00000000}{EmotionSuffix}";

    /// <summary>An emotion file's content as CK+ writes it.</summary>
    public static string EmotionText(string emotion)
    {
        var code = Emotions.ToList().IndexOf(emotion);
        if (code < 0)
            throw new ArgumentOutOfRangeException(nameof(emotion), emotion, "not a CK+ emotion");
        return "   " + code.ToString("0.0000000e+00", CultureInfo.InvariantCulture) + "\n";
    }
}
