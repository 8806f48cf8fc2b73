namespace MerCluster.Training.Models;

/// <summary>
/// A multiclass support vector machine (one-vs-rest) over feature vectors: MobileViT-SVM's classifier (seed 004). Each
/// binary machine solves the soft-margin dual by coordinate descent (the LIBLINEAR method, applied to a precomputed
/// kernel), with the bias folded into the kernel as a constant 1. Features are standardised with the training set's
/// mean and deviation, so nothing of the samples predicted later enters the fit.
/// </summary>
public sealed class SupportVectorMachine
{
    private const double Tolerance = 1e-3;
    private const int MaxSweeps = 2000;

    private readonly SvmOptions _options;
    private readonly double _gamma;
    private readonly double[] _mean, _scale;
    private readonly double[][] _support;   // standardised training vectors
    private readonly double[][] _weights;   // per class: alpha_i * y_i

    private SupportVectorMachine(SvmOptions options, double gamma, double[] mean, double[] scale, double[][] support, double[][] weights)
        => (_options, _gamma, _mean, _scale, _support, _weights) = (options, gamma, mean, scale, support, weights);

    public int Classes => _weights.Length;

    /// <summary>Fits one machine per class of <paramref name="labels"/> (indices in [0, <paramref name="classes"/>)).</summary>
    public static SupportVectorMachine Fit(IReadOnlyList<float[]> features, IReadOnlyList<int> labels, int classes, SvmOptions options)
    {
        if (features.Count == 0 || features.Count != labels.Count)
            throw new ArgumentException($"an SVM needs one label per feature vector and at least one vector (got {features.Count} vectors, {labels.Count} labels)");
        var n = features.Count;
        var d = features[0].Length;
        var mean = new double[d];
        var scale = new double[d];
        foreach (var f in features)
            for (var j = 0; j < d; j++)
                mean[j] += f[j] / (double)n;
        foreach (var f in features)
            for (var j = 0; j < d; j++)
                scale[j] += (f[j] - mean[j]) * (f[j] - mean[j]) / n;
        for (var j = 0; j < d; j++)
            scale[j] = scale[j] > 1e-12 ? 1 / Math.Sqrt(scale[j]) : 1;
        var x = features.Select(f => Standardise(f, mean, scale)).ToArray();
        // gamma 0 = sklearn's "scale", 1 / (d * variance of the inputs): 1 / d after standardisation.
        var gamma = options.Gamma > 0 ? options.Gamma : 1.0 / d;

        var kernel = new double[n][];
        for (var i = 0; i < n; i++)
        {
            kernel[i] = new double[n];
            for (var j = 0; j <= i; j++)
                kernel[i][j] = kernel[j][i] = Kernel(options.Kernel, gamma, x[i], x[j]);
        }
        var weights = new double[classes][];
        for (var k = 0; k < classes; k++)
            weights[k] = SolveDual(kernel, labels.Select(l => l == k ? 1.0 : -1.0).ToArray(), options.C);
        return new SupportVectorMachine(options, gamma, mean, scale, x, weights);
    }

    /// <summary>The one-vs-rest decision values of each class for one feature vector.</summary>
    public double[] Decision(float[] features)
    {
        var x = Standardise(features, _mean, _scale);
        var k = _support.Select(s => Kernel(_options.Kernel, _gamma, s, x)).ToArray();
        return _weights.Select(w =>
        {
            var sum = 0.0;
            for (var i = 0; i < k.Length; i++)
                sum += w[i] * k[i];
            return sum;
        }).ToArray();
    }

    /// <summary>The softmax of the decision values: sums to 1 and ranks as the SVM does, but is not a calibrated probability.</summary>
    public float[] Scores(float[] features)
    {
        var decision = Decision(features);
        var max = decision.Max();
        var exp = decision.Select(v => Math.Exp(v - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(v => (float)(v / sum)).ToArray();
    }

    private static double[] Standardise(float[] f, double[] mean, double[] scale)
    {
        var x = new double[f.Length];
        for (var j = 0; j < f.Length; j++)
            x[j] = (f[j] - mean[j]) * scale[j];
        return x;
    }

    private static double Kernel(SvmKernel kernel, double gamma, double[] a, double[] b)
    {
        var value = 0.0;
        if (kernel == SvmKernel.Linear)
        {
            for (var j = 0; j < a.Length; j++)
                value += a[j] * b[j];
        }
        else
        {
            for (var j = 0; j < a.Length; j++)
                value += (a[j] - b[j]) * (a[j] - b[j]);
            value = Math.Exp(-gamma * value);
        }
        return value + 1;  // the bias, folded in
    }

    // Dual coordinate descent: min 1/2 a'Qa - sum a, 0 <= a <= C, Q_ij = y_i y_j K_ij. Returns a_i y_i.
    private static double[] SolveDual(double[][] kernel, double[] y, double c)
    {
        var n = y.Length;
        var alpha = new double[n];
        var margin = new double[n];  // sum_j alpha_j y_j K_ij
        for (var sweep = 0; sweep < MaxSweeps; sweep++)
        {
            var worst = 0.0;
            for (var i = 0; i < n; i++)
            {
                var gradient = y[i] * margin[i] - 1;
                var projected = alpha[i] <= 0 ? Math.Min(gradient, 0) : alpha[i] >= c ? Math.Max(gradient, 0) : gradient;
                worst = Math.Max(worst, Math.Abs(projected));
                if (Math.Abs(projected) < 1e-12)
                    continue;
                var updated = Math.Clamp(alpha[i] - gradient / kernel[i][i], 0, c);
                var step = (updated - alpha[i]) * y[i];
                if (step == 0)
                    continue;
                alpha[i] = updated;
                var row = kernel[i];
                for (var j = 0; j < n; j++)
                    margin[j] += step * row[j];
            }
            if (worst < Tolerance)
                break;
        }
        return alpha.Select((a, i) => a * y[i]).ToArray();
    }
}
