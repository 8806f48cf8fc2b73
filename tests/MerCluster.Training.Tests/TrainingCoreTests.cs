using MerCluster.Training;

namespace MerCluster.Training.Tests;

public class TrainingCoreTests
{
    [Fact]
    public void Native_library_loads_and_reports_its_libtorch_version() =>
        Assert.Contains("libtorch 1.13", TrainingCore.Version);

    [Fact]
    public void Libtorch_computes_with_the_openmp_openblas()
    {
        Assert.Contains("openblas-openmp", TrainingCore.BlasLibrary);
    }
}
