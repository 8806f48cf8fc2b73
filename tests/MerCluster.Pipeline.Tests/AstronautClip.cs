using MerCluster.Core;
using MerCluster.Pipeline.Clips;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Tests;

/// <summary>
/// A real face in motion: the astronaut portrait, frame k moved <see cref="PixelsPerFrame"/> px to the right per frame
/// (img1.png .. img6.png; onset 1, apex 4, offset 6), written to a fresh folder.
/// </summary>
public sealed class AstronautClip : IDisposable
{
    public const float PixelsPerFrame = 0.5f;
    public const int Frames = 6;
    public const int OnsetNumber = 1;
    public const int ApexNumber = 4;

    private readonly TempDirectory _dir = new();

    public AstronautClip()
    {
        Portrait = Image.Read(RepositoryPaths.AstronautPortrait, ImageColor.Bgr);
        TranslatedClip.Write(Portrait, FramesDirectory, Frames, PixelsPerFrame, OnsetNumber, ApexNumber);
    }

    public Image Portrait { get; }

    public string FramesDirectory => Path.Combine(_dir.Path, "clip");

    public Clip Load() => FrameFolder.Load(FramesDirectory, OnsetNumber, ApexNumber);

    /// <summary>A copy of the clip in a new folder (for tests that damage a frame).</summary>
    public string CopyFrames(string name)
    {
        var target = Path.Combine(_dir.Path, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(FramesDirectory))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>One astronaut clip and one loaded face model for every test of a class.</summary>
public sealed class VisionFixture : IDisposable
{
    public AstronautClip Clip { get; } = new();

    public FaceModel Faces { get; } = FaceModel.Load();

    public void Dispose()
    {
        Faces.Dispose();
        Clip.Dispose();
    }
}
