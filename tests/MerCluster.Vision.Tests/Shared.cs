using MerCluster.Core;

namespace MerCluster.Vision.Tests;

/// <summary>Inputs loaded once for the whole test run: the portrait and the face model (loading it takes about a second).</summary>
internal static class Shared
{
    private static readonly Lazy<FaceModel> s_faceModel = new(() => FaceModel.Load());
    private static readonly Lazy<Image> s_portrait = new(() => Image.Read(RepositoryPaths.AstronautPortrait));

    public static FaceModel FaceModel => s_faceModel.Value;

    /// <summary>The 512x512 BGR astronaut portrait.</summary>
    public static Image Portrait => s_portrait.Value;

    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mer-vision-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
