using System.Diagnostics;
using MerCluster.Training;

namespace MerCluster.Training.Tests;

public class TrainingCoreTests
{
    [Fact]
    public void TorchSharp_loads_and_reports_libtorch_2_10()
    {
        // Loading TorchSharp's native library needs the GLIBCXX_3.4.32 requirement weakened after build (see
        // Directory.Build.targets): on Debian 12 this line throws without it.
        Assert.StartsWith("TorchSharp 0.107", TrainingCore.Framework);
        Assert.StartsWith("2.10", TrainingCore.LibTorch);
    }

    [Fact]
    public void The_copied_libtorchsharp_asks_for_glibcxx_3_4_32_only_weakly()
    {
        var library = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        Assert.NotEmpty(library);
        foreach (var path in library)
        {
            var readelf = Process.Start(new ProcessStartInfo("readelf", ["-V", path]) { RedirectStandardOutput = true })!;
            var text = readelf.StandardOutput.ReadToEnd();
            Assert.True(readelf.WaitForExit(TimeSpan.FromMinutes(1)));
            var line = text.Split('\n').Single(l => l.Contains("Name: GLIBCXX_3.4.32"));
            Assert.Contains("Flags: WEAK", line);
        }
    }

    [Fact]
    public void The_training_code_is_named_by_its_file()
    {
        // `mer bench models` hashes this file so that a rebuilt trainer does not resume the previous build's folds.
        Assert.Equal("MerCluster.Training.dll", Path.GetFileName(TrainingCore.AssemblyPath));
        Assert.True(File.Exists(TrainingCore.AssemblyPath));
    }
}
