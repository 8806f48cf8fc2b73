using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MerCluster.Core;

namespace MerCluster.Training.Tests.Parity;

/// <summary>
/// The C++ trainer (libmer_train, version 1) as the reference the TorchSharp port is checked against, run as its own
/// process (build/native/lib/mer_train_reference) because the two libtorch builds cannot share one: the model built
/// with a seed, its weights exported as safetensors, its parameter count and its eval-mode class probabilities on
/// the given inputs. Test-only; it goes with the native library.
/// </summary>
internal static class NativeReference
{
    public sealed record Result(long Parameters, float[] Probabilities);

    public static Result Run(string model, IReadOnlyDictionary<string, string> settings, IReadOnlyList<(float[] Data, long[] Shape)> inputs,
        string weightsPath, int classes, long seed = 7)
    {
        var program = Path.Combine(RepositoryPaths.Root, "build", "native", "lib", "mer_train_reference");
        Assert.True(File.Exists(program), $"{program} is missing: scripts/bootstrap builds it with the native core");
        var folder = Directory.CreateTempSubdirectory("parity-");
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(model);
            start.ArgumentList.Add(SettingsJson(settings));
            start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add(weightsPath);
            var probabilitiesPath = Path.Combine(folder.FullName, "probabilities.f32");
            start.ArgumentList.Add(probabilitiesPath);
            for (var i = 0; i < inputs.Count; i++)
            {
                var file = Path.Combine(folder.FullName, $"input{i}.f32");
                File.WriteAllBytes(file, System.Runtime.InteropServices.MemoryMarshal.AsBytes(inputs[i].Data.AsSpan()).ToArray());
                start.ArgumentList.Add($"{file}:{string.Join(",", inputs[i].Shape)}");
            }
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "mer_train_reference did not finish within 5 minutes");
            Assert.True(process.ExitCode == 0, $"mer_train_reference failed: {stderr.Result}");
            var bytes = File.ReadAllBytes(probabilitiesPath);
            var probabilities = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, probabilities, 0, bytes.Length);
            Assert.Equal(inputs[0].Shape[0] * classes, probabilities.Length);
            return new Result(long.Parse(stdout.Result.Trim(), CultureInfo.InvariantCulture), probabilities);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string SettingsJson(IReadOnlyDictionary<string, string> settings)
    {
        var json = new JsonObject();
        foreach (var (key, text) in settings)
            json[key] = text switch
            {
                "true" => JsonValue.Create(true),
                "false" => JsonValue.Create(false),
                _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
                _ => JsonValue.Create(text),
            };
        return json.ToJsonString();
    }
}
