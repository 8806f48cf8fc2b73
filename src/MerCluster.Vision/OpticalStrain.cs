namespace MerCluster.Vision;

/// <summary>Optical strain magnitude of a flow field: sqrt(u_x^2 + v_y^2 + 0.5 (u_y + v_x)^2) per pixel.</summary>
public static class OpticalStrain
{
    /// <summary>Derivatives by central differences (one-sided at the border), per pixel of <paramref name="flow"/>.</summary>
    public static ScalarField Compute(FlowField flow)
    {
        var strain = new ScalarField(flow.Height, flow.Width);
        VisionException.Check(NativeMethods.OpticalStrain(flow.Data, flow.Height, flow.Width, strain.Data), $"computing the strain of a {flow.Width}x{flow.Height} flow");
        return strain;
    }
}
