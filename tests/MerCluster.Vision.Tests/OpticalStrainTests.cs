namespace MerCluster.Vision.Tests;

public class OpticalStrainTests
{
    [Fact]
    public void A_pure_translation_has_no_strain()
    {
        var strain = OpticalStrain.Compute(FlowField.Uniform(20, 30, 1.7f, -0.4f));
        Assert.All(strain.Data, s => Assert.True(Math.Abs(s) < 1e-6));
    }

    [Theory]
    [InlineData(0.02, 0.0, 0.0, -0.01)]
    [InlineData(0.01, 0.03, -0.02, 0.05)]
    [InlineData(0.0, 0.04, 0.04, 0.0)]
    public void A_linear_field_has_the_strain_of_the_formula_everywhere(double a, double b, double c, double d)
    {
        // u = a x + b y, v = c x + d y: u_x = a, u_y = b, v_x = c, v_y = d.
        const int height = 12, width = 17;
        var flow = new FlowField(height, width);
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            flow.Data[2 * (y * width + x)] = (float)(a * x + b * y);
            flow.Data[2 * (y * width + x) + 1] = (float)(c * x + d * y);
        }
        var expected = Math.Sqrt(a * a + d * d + 0.5 * (b + c) * (b + c));
        var strain = OpticalStrain.Compute(flow);
        Assert.All(strain.Data, s => Assert.Equal(expected, s, 1e-5));
    }
}
