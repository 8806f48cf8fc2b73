using System.Globalization;

namespace MerCluster.Training.Models;

public enum SvmKernel
{
    Linear,
    Rbf,
}

/// <summary>
/// MobileViT-SVM's classifier keys (model settings <c>classifier</c>, <c>svm_kernel</c>, <c>svm_c</c>, <c>svm_gamma</c>;
/// the native registry validates them): the SVM's kernel, its box constraint C, and the RBF width (0 = 1 / feature count).
/// </summary>
public sealed record SvmOptions(SvmKernel Kernel, double C, double Gamma)
{
    /// <summary>The SVM settings of <paramref name="model"/>, or null when its predictions come from its softmax head.</summary>
    public static SvmOptions? For(ModelOptions model)
    {
        if (model.Name != "mobilevit_svm")
            return null;
        string Setting(string key, string fallback) => model.Settings.TryGetValue(key, out var value) ? value : fallback;
        if (Setting("classifier", "svm") != "svm")
            return null;
        var kernel = Setting("svm_kernel", "rbf") == "linear" ? SvmKernel.Linear : SvmKernel.Rbf;
        return new SvmOptions(kernel, double.Parse(Setting("svm_c", "1"), CultureInfo.InvariantCulture),
            double.Parse(Setting("svm_gamma", "0"), CultureInfo.InvariantCulture));
    }
}
