using Microsoft.Win32.SafeHandles;

namespace MerCluster.Vision;

/// <summary>Owns a native mer_face_model.</summary>
internal sealed class FaceModelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public FaceModelHandle() : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.FaceModelDestroy(handle);
        return true;
    }
}
