using MerCluster.Core.Arrays;
using MerCluster.Core.Features;

namespace MerCluster.Training.Tests;

/// <summary>
/// Nothing of a fold's held-out subject may shape the trained model: not the supervised loss, not a model's
/// self-supervised losses (FRL-DGT's displacement generator, its frame pairs and jittered apexes, MFVAN's autoencoders
/// and its teacher's pretraining stage on the clips' frames, MSMMT's contrastive term), not batch-norm statistics.
/// </summary>
public sealed class ModelsHeldOutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("heldout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Models => ["msmmt", "mobilevit_svm", "frl_dgt", "mfvan"];

    private static (ModelOptions Model, (string Name, int Channels)[] Inputs) Small(string model) => model switch
    {
        "msmmt" => (ModelsSupport.Model("msmmt", ("image_size", 64), ("dim", 32), ("depth", 2), ("heads", 4), ("mlp_dim", 64), ("head_hidden", 16)),
            [("dynamic_image", 3), ("flow_uvs", 3)]),
        "mobilevit_svm" => (ModelsSupport.Model("mobilevit_svm", ("variant", "xxs"), ("image_size", 64), ("l2", 0.001)), [("apex_gray", 1)]),
        "mfvan" => (ModelsSupport.Model("mfvan", ("image_size", 64), ("width", 4), ("teacher_blocks", 1), ("dim", 32), ("heads", 4), ("mlp_dim", 64),
            ("depth", 1), ("head_hidden", 16), ("teacher_pretrain_epochs", 1), ("frames", 2)), [("apex", 3), ("onset", 3), ("frames", 6)]),
        _ => (ModelsSupport.Model("frl_dgt", ("image_size", 64), ("region_size", 30), ("patch", 6), ("dim", 32), ("heads", 4), ("mlp_dim", 64),
            ("depth", 1), ("dgm_width", 4), ("head_hidden", 16), ("frame_pairs", 1), ("frames", 2), ("apex_jitter", true)),
            [("onset", 3), ("apex", 3), ("frames", 6), ("apex_neighbours", 6)]),
    };

    // The same set with every input of one subject's samples replaced by other values.
    private static FeatureSet Scramble(FeatureSet set, string subject)
    {
        var rows = set.Samples.Select((s, i) => (s, i)).Where(p => p.s.Subject == subject).Select(p => p.i).ToHashSet();
        return new FeatureSet(set.Classes, set.Samples, set.Inputs.Select(input =>
        {
            var data = (float[])input.Value.Data.Clone();
            var row = data.Length / set.Count;
            foreach (var r in rows)
                for (var k = 0; k < row; k++)
                    data[r * row + k] = 1 - data[r * row + k] * 3;
            return KeyValuePair.Create(input.Key, new NdArray<float>(input.Value.Shape, data));
        }).ToList());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_folds_trained_model_does_not_depend_on_the_held_out_subjects_data(string name)
    {
        var (model, inputs) = Small(name);
        var images = ModelsSupport.Inputs(3, 3, 64, inputs);
        var set = name == "frl_dgt" ? ModelsFrlDgtTests.WithBoxes(images) : images;
        var fold = Folds.LeaveOut(set, "casme2/sub02");
        var config = new TrainingConfig { Model = model, Train = Synthetic.Fast(epochs: 1, batch: 4) };
        float[][] TrainedFeatures(FeatureSet features, string checkpoint)
        {
            Trainer.TrainFold(config, features, fold, checkpointPath: checkpoint);
            using var trained = Trainer.Load(checkpoint);
            return trained.Features(set.Where(s => s.Subject != fold.Name));
        }
        var original = TrainedFeatures(set, Path.Combine(_dir, "original.ckpt"));
        var scrambled = TrainedFeatures(Scramble(set, fold.Name), Path.Combine(_dir, "scrambled.ckpt"));
        Assert.Equal(original, scrambled);
    }
}
