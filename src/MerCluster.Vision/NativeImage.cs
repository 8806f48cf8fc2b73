using System.Runtime.InteropServices;

namespace MerCluster.Vision;

/// <summary>mer_image: one frame of a clip (or one output image) in pinned managed memory.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeImage
{
    public byte* Data;
    public int Height;
    public int Width;
    public int Channels;
}

/// <summary>Pins the pixel arrays of several images for the length of one native call, without copying them.</summary>
internal sealed unsafe class PinnedImages : IDisposable
{
    private readonly GCHandle[] _handles;
    private readonly NativeImage[] _images;

    public PinnedImages(IReadOnlyList<Image> images)
    {
        _handles = new GCHandle[images.Count];
        _images = new NativeImage[images.Count];
        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            _handles[i] = GCHandle.Alloc(image.Data, GCHandleType.Pinned);
            _images[i] = new NativeImage
            {
                Data = (byte*)_handles[i].AddrOfPinnedObject(),
                Height = image.Height,
                Width = image.Width,
                Channels = image.Channels,
            };
        }
    }

    public ReadOnlySpan<NativeImage> Span => _images;

    public void Dispose()
    {
        foreach (var handle in _handles)
            if (handle.IsAllocated)
                handle.Free();
    }
}
