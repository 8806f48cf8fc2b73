using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "mer_face_model_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int FaceModelCreate(string landmarkModelPath, out FaceModelHandle model);

    [LibraryImport(Library, EntryPoint = "mer_face_model_destroy")]
    internal static partial void FaceModelDestroy(IntPtr model);

    [LibraryImport(Library, EntryPoint = "mer_face_detect")]
    internal static partial int FaceDetect(FaceModelHandle model, ReadOnlySpan<byte> image, int height, int width, int channels, Span<float> box, Span<float> landmarks);
}
