using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "mer_align_clip")]
    internal static partial int AlignClip(ReadOnlySpan<NativeImage> frames, int count, ReadOnlySpan<float> firstFrameLandmarks, int size, ReadOnlySpan<NativeImage> output, Span<float> alignedLandmarks);

    [LibraryImport(Library, EntryPoint = "mer_align_canonical_eye_corners")]
    internal static partial int AlignCanonicalEyeCorners(int size, Span<float> corners);

    [LibraryImport(Library, EntryPoint = "mer_align_eye_level")]
    internal static partial int AlignEyeLevel(ReadOnlySpan<byte> image, int height, int width, int channels, ReadOnlySpan<float> landmarks, int size, int maskEyes, Span<byte> output, Span<float> alignedLandmarks);
}
