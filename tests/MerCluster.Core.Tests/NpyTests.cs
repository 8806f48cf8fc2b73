using System.Diagnostics;
using MerCluster.Core.Arrays;

namespace MerCluster.Core.Tests;

public class NpyTests
{
    [Fact]
    public void Round_trips_a_float_tensor_with_its_shape()
    {
        var array = new NdArray<float>([2, 3, 4], Enumerable.Range(0, 24).Select(i => i * 0.5f).ToArray());
        var stream = new MemoryStream();
        Npy.Write(stream, array);
        Assert.Equal(0, (stream.Length - array.Data.Length * 4) % 64);
        stream.Position = 0;
        var back = Npy.Read<float>(stream);
        Assert.Equal(array.Shape, back.Shape);
        Assert.Equal(array.Data, back.Data);
    }

    [Fact]
    public void Reading_the_wrong_element_type_names_the_source()
    {
        var stream = new MemoryStream();
        Npy.Write(stream, new NdArray<byte>([3], [1, 2, 3]));
        stream.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => Npy.Read<float>(stream, "x.npy"));
        Assert.Contains("x.npy", error.Message);
    }

    [Fact]
    public void A_truncated_file_is_an_error_not_a_short_array()
    {
        var stream = new MemoryStream();
        Npy.Write(stream, new NdArray<float>([10], new float[10]));
        var cut = new MemoryStream(stream.ToArray()[..^4]);
        Assert.Throws<InvalidDataException>(() => Npy.Read<float>(cut, "cut.npy"));
    }

    [Fact]
    public void Numpy_reads_what_we_write()
    {
        var path = Path.Combine(Path.GetTempPath(), $"npy-{Guid.NewGuid():N}.npy");
        Npy.Write(path, new NdArray<float>([2, 2], [1f, 2f, 3f, 4.5f]));
        try
        {
            var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", $"import numpy; a = numpy.load('{path}'); print(a.shape, a.dtype, a.sum())"])
            { RedirectStandardOutput = true };
            using var process = Process.Start(psi)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            Assert.Equal("(2, 2) float32 10.5", output);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
