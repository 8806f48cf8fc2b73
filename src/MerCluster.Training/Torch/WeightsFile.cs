using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Torch;

/// <summary>
/// A model's starting weights (the model setting <c>weights</c>, one for every model): a mer checkpoint of the same
/// model (e.g. MobileViT-SVM's macro-expression stage), a safetensors file (timm's ImageNet ViT for MSMMT, any
/// exported state dict), or a PyTorch zip-format state dict (<c>torch.save(model.state_dict(), ...)</c>, e.g. the
/// STSTNet authors' per-subject weights), read by TorchSharp.PyBridge.
/// </summary>
public static class WeightsFile
{
    public const string Setting = "weights";

    /// <summary>Every tensor of the file by name, on the CPU; a missing or unreadable file is an error naming it.</summary>
    public static Dictionary<string, Tensor> Read(string path, string model)
    {
        if (!File.Exists(path))
            throw new TrainingException(TrainingStatus.Io, $"weights file '{path}' cannot be opened (missing or unreadable)");
        if (Trainer.IsCheckpoint(path))
            return Trainer.ModelTensors(path, model);
        var zip = StartsWith(path, "PK\u0003\u0004"u8);
        try
        {
            if (!zip)
                return TorchSharp.PyBridge.Safetensors.LoadStateDict(path);
            var tensors = new Dictionary<string, Tensor>();
            foreach (System.Collections.DictionaryEntry entry in TorchSharp.PyBridge.PyTorchUnpickler.UnpickleStateDict(path))
                if (entry.Value is Tensor tensor)
                    tensors[(string)entry.Key] = tensor;
            return tensors;
        }
        catch (Exception e) when (e is not TrainingException)
        {
            throw new TrainingException(TrainingStatus.Argument,
                $"weights file '{path}' is not a {(zip ? "PyTorch zip-format state dict" : "safetensors file")} that can be read: {e.Message}");
        }
    }

    internal static bool StartsWith(string path, ReadOnlySpan<byte> prefix)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[prefix.Length];
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(prefix);
    }
}
