// Tests run one at a time: TrainerResourceTests measures the process's resident memory and live tensors, and several
// trainers' libtorch threads at once would oversubscribe a 2-core machine (steps 10-30x slower). Trainers running
// beside each other stay deterministic; TrainerResourceTests checks that on purpose.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace MerCluster.Training.Tests
{
    internal static class TorchSharpSetUp
    {
        // Some tests call TorchSharp before any type of MerCluster.Training: its Scalar fix must be in place first.
#pragma warning disable CA2255
        [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
        internal static void Register() => Torch.ScalarRelease.Register();
    }
}
