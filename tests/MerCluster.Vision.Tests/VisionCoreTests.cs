using MerCluster.Vision;

namespace MerCluster.Vision.Tests;

public class VisionCoreTests
{
    [Fact]
    public void Native_library_loads_and_reports_its_OpenCV_version() =>
        Assert.Contains("OpenCV 4.", VisionCore.Version);

    [Fact]
    public void Zero_threads_is_an_error_that_names_the_value()
    {
        var error = Assert.Throws<VisionException>(() => VisionCore.SetThreads(0));
        Assert.Equal(VisionStatus.Argument, error.Status);
        Assert.Contains("got 0", error.Message);
    }

    [Fact]
    public void Setting_the_thread_count_succeeds_for_positive_values() => VisionCore.SetThreads(2);
}
