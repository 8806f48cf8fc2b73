namespace MerCluster.Training.Models;

public enum SvmKernel
{
    Linear,
    Rbf,
}

/// <summary>
/// An SVM head (seed 004): the kernel, its box constraint C, and the RBF width (0 = 1 / feature count). A model whose
/// config asks for it (MobileViT-SVM's <c>classifier: svm</c>, <c>svm_kernel</c>, <c>svm_c</c>, <c>svm_gamma</c>) exposes it
/// as <see cref="Torch.RecognitionModel.Svm"/>; a fold then classifies with it in place of the softmax head.
/// </summary>
public sealed record SvmOptions(SvmKernel Kernel, double C, double Gamma);
