using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Torch;

/// <summary>
/// Inverted dropout whose masks come from the owning trainer's generator (<see cref="RecognitionModel.Random"/> sets it
/// on every such layer of the model), not torch's global one: two trainers in one process stay each deterministic.
/// The identity in eval mode or at p = 0. No tensors, so it adds no names to the state dict.
/// </summary>
public sealed class SeededDropout(double p) : nn.Module<Tensor, Tensor>("dropout")
{
    public double P { get; } = p;

    public Generator? Random { get; set; }

    public override Tensor forward(Tensor x)
    {
        if (!training || P == 0)
            return x;
        if (P >= 1)
            return zeros_like(x);
        return x * empty_like(x).bernoulli_(1 - P, Random) / (1 - P);
    }
}
