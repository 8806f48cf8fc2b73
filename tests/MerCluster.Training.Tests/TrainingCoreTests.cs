using MerCluster.Training;

namespace MerCluster.Training.Tests;

public class TrainingCoreTests
{
    [Fact]
    public void Native_library_loads_and_reports_its_libtorch_version() =>
        Assert.Contains("libtorch 1.13", TrainingCore.Version);
}
