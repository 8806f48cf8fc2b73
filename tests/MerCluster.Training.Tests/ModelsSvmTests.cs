using MerCluster.Training.Models;

namespace MerCluster.Training.Tests;

public class ModelsSvmTests
{
    // Three Gaussian blobs in 2-D around (0,0), (4,0), (0,4).
    private static (List<float[]> X, List<int> Y) Blobs(int perClass, int seed)
    {
        var random = new Random(seed);
        var centres = new[] { (0f, 0f), (4f, 0f), (0f, 4f) };
        var (x, y) = (new List<float[]>(), new List<int>());
        for (var i = 0; i < perClass * 3; i++)
        {
            var (cx, cy) = centres[i % 3];
            x.Add([cx + (float)(random.NextDouble() - 0.5), cy + (float)(random.NextDouble() - 0.5)]);
            y.Add(i % 3);
        }
        return (x, y);
    }

    private static int ArgMax(double[] values) => Array.IndexOf(values, values.Max());

    [Theory]
    [InlineData(SvmKernel.Linear)]
    [InlineData(SvmKernel.Rbf)]
    public void An_svm_separates_three_blobs_it_did_not_see(SvmKernel kernel)
    {
        var (x, y) = Blobs(10, 1);
        var svm = SupportVectorMachine.Fit(x, y, 3, new SvmOptions(kernel, 1, 0));
        var (tx, ty) = Blobs(10, 2);
        Assert.Equal(ty, tx.Select(v => ArgMax(svm.Decision(v))));
    }

    [Fact]
    public void Only_the_rbf_kernel_learns_xor()
    {
        float[][] x = [[0, 0], [1, 1], [0, 1], [1, 0], [0.1f, 0], [0.9f, 1], [0, 0.9f], [1, 0.1f]];
        int[] y = [0, 0, 1, 1, 0, 0, 1, 1];
        int[] Predict(SvmKernel kernel)
        {
            var svm = SupportVectorMachine.Fit(x, y, 2, new SvmOptions(kernel, 100, 2));
            return x.Select(v => ArgMax(svm.Decision(v))).ToArray();
        }
        Assert.Equal(y, Predict(SvmKernel.Rbf));
        Assert.NotEqual(y, Predict(SvmKernel.Linear));
    }

    [Fact]
    public void Svm_scores_rank_as_its_decision_values_and_sum_to_one()
    {
        var (x, y) = Blobs(5, 3);
        var svm = SupportVectorMachine.Fit(x, y, 3, new SvmOptions(SvmKernel.Rbf, 1, 0));
        foreach (var v in x)
        {
            var scores = svm.Scores(v);
            Assert.Equal(1.0, scores.Sum(), 5);
            Assert.Equal(ArgMax(svm.Decision(v)), Array.IndexOf(scores, scores.Max()));
        }
    }

    [Fact]
    public void The_svm_head_comes_from_the_model_config()
    {
        var model = ModelsSupport.Model("mobilevit_svm", ("svm_kernel", "rbf"), ("svm_c", 10), ("svm_gamma", 0.5), ("image_size", 64), ("variant", "xxs"));
        using (var trainer = Trainer.Create(model, new TrainOptions { Threads = 1 }))
            Assert.Equal(new SvmOptions(SvmKernel.Rbf, 10, 0.5), trainer.Svm);
        using (var softmax = Trainer.Create(ModelsSupport.Model("mobilevit_svm", ("classifier", "softmax"), ("image_size", 64), ("variant", "xxs")), new TrainOptions { Threads = 1 }))
            Assert.Null(softmax.Svm);
        using var ststnet = Trainer.Create(ModelsSupport.Model("ststnet"), new TrainOptions { Threads = 1 });
        Assert.Null(ststnet.Svm);
    }
}
