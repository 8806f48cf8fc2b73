using System.Globalization;
using System.Text;
using System.Text.Json;
using MerCluster.Core.Features;

namespace MerCluster.Training.Tests;

/// <summary>Helpers of the seed-model tests: multi-input feature sets, model settings, per-epoch losses, weights files.</summary>
internal static class ModelsSupport
{
    /// <summary>A separable set (see <see cref="Synthetic.Separable"/>) with one differently-noised copy per input name.</summary>
    public static FeatureSet Inputs(int subjects, int perSubject, int size, params (string Name, int Channels)[] inputs)
    {
        var sets = inputs.Select((input, i) => Synthetic.Separable(subjects, perSubject, input.Channels, size, seed: 11 + i, input: input.Name)).ToList();
        return new FeatureSet(Synthetic.Classes, sets[0].Samples, sets.Select(s => s.Inputs.Single()).ToList());
    }

    public static ModelOptions Model(string name, params (string Key, object Value)[] settings) => new()
    {
        Name = name,
        Settings = settings.ToDictionary(s => s.Key, s => s.Value switch
        {
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString()!,
        }),
    };

    /// <summary>The mean training loss of every epoch, each taken over the batches of that epoch before their steps.</summary>
    public static List<double> EpochLosses(Trainer trainer, FeatureSet set)
    {
        var losses = new List<double>();
        trainer.Fit(set, new Collect(losses));
        return losses;
    }

    /// <summary>The largest absolute difference between two rows of equal length.</summary>
    public static double MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }

    /// <summary>Training settings where every epoch is one optimisation step on the same full batch, dropout aside.</summary>
    public static TrainOptions FullBatch(int samples, int epochs, double learningRate) =>
        new() { Epochs = epochs, BatchSize = samples, LearningRate = learningRate, Seed = 5, Threads = 1 };

    private sealed class Collect(List<double> losses) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => losses.Add(value.Loss);
    }

    /// <summary>Writes float32 tensors as a safetensors file (8-byte header length, JSON header, raw data).</summary>
    public static void WriteSafetensors(string path, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, (shape, data)) in tensors)
        {
            header[name] = new { dtype = "F32", shape, data_offsets = new[] { offset, offset + 4L * data.Length } };
            offset += 4L * data.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)json.Length));
        file.Write(json);
        foreach (var (_, (_, data)) in tensors)
            file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }
}
