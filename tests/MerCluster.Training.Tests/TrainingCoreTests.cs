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

    [Fact]
    public void The_loaded_training_core_is_named_by_its_file()
    {
        // `mer bench models` hashes this file so that a rebuilt core does not resume the previous build's folds.
        var path = TrainingCore.LibraryPath;
        Assert.NotNull(path);
        Assert.Equal("libmer_train.so", Path.GetFileName(path));
        Assert.True(File.Exists(path), path);
    }
}
