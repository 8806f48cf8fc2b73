using System.Drawing;

namespace MerCluster.Vision;

/// <summary>A detected face: its detector box and dlib's 68 landmarks (0-based: 36-41 right eye, 42-47 left eye, 48-67 mouth).</summary>
public sealed record Face(RectangleF Box, PointF[] Landmarks)
{
    public const int LandmarkCount = 68;

    /// <summary>The inner corner of the subject's right eye (image left), landmark 39.</summary>
    public PointF RightInnerEyeCorner => Landmarks[39];

    /// <summary>The inner corner of the subject's left eye (image right), landmark 42.</summary>
    public PointF LeftInnerEyeCorner => Landmarks[42];
}
