using System.Text.Json.Nodes;
using MerCluster.Core.Features;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

/// <summary>The leak guard: checkpoints record their training subjects, and a fold refuses weights that saw its held-out subject.</summary>
public sealed class CheckpointSubjectsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("subjects-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingConfig Config(string? weights = null)
    {
        var model = Synthetic.Ststnet();
        if (weights is not null)
            model = model with { Settings = new Dictionary<string, string>(model.Settings) { ["weights"] = weights } };
        return new TrainingConfig { Model = model, Train = Synthetic.Fast(epochs: 1) };
    }

    /// <summary>`mer train --holdout none`: a checkpoint of a model trained on every sample of <paramref name="set"/>.</summary>
    private string Pretrained(FeatureSet set, string name)
    {
        var path = Path.Combine(_dir, name);
        using var trainer = Trainer.Create(Config());
        trainer.Fit(set, checkpointPath: path);
        return path;
    }

    [Fact]
    public void A_checkpoint_records_the_subjects_it_was_trained_on_and_a_resume_adds_its_own()
    {
        var path = Path.Combine(_dir, "grown.ckpt");
        var first = Synthetic.Separable(2, 3);
        using (var trainer = Trainer.Create(Config()))
            trainer.Fit(first, checkpointPath: path);
        using (var saved = Trainer.Load(path))
            Assert.Equal(["casme2/sub01", "casme2/sub02"], saved.Subjects!);

        var more = Synthetic.Separable(3, 3, database: "samm");
        using (var resumed = Trainer.Load(path, new Dictionary<string, object> { ["epochs"] = 2 }))
            resumed.Fit(more, checkpointPath: path);
        using var grown = Trainer.Load(path);
        Assert.Equal(2, grown.Epoch);
        Assert.Equal(["casme2/sub01", "casme2/sub02", "samm/sub01", "samm/sub02", "samm/sub03"], grown.Subjects!);
    }

    [Fact]
    public void Weights_trained_on_the_held_out_subject_are_refused_naming_the_file_and_the_subject()
    {
        var set = Synthetic.Separable(3, 3);
        var macro = Pretrained(set, "everything.ckpt");
        var error = Assert.Throws<TrainingException>(() => Trainer.TrainFold(Config(macro), set, Folds.LeaveOut(set, "casme2/sub02")));
        Assert.Equal(TrainingStatus.Argument, error.Status);
        Assert.Equal($"model 'ststnet', fold 'casme2/sub02': weights {macro} were trained on subject casme2/sub02, which this fold holds out (a leak across the LOSO split)",
            error.Message);
    }

    [Fact]
    public void Weights_trained_on_another_database_are_accepted_and_their_subjects_carried_into_the_fine_tuning()
    {
        var macro = Pretrained(Synthetic.Separable(3, 3, database: "ckplus"), "ckplus.ckpt");
        var set = Synthetic.Separable(3, 3);
        var result = Trainer.TrainFold(Config(macro), set, Folds.LeaveOut(set, "casme2/sub01"));
        Assert.Equal(3, result.Predictions.Count);
        Assert.Null(result.SubjectsUnknown);

        using var fineTuned = Trainer.Create(Config(macro));
        fineTuned.Fit(Synthetic.Separable(1, 3));
        Assert.Equal(["casme2/sub01", "ckplus/sub01", "ckplus/sub02", "ckplus/sub03"], fineTuned.Subjects!);
    }

    [Fact]
    public void Safetensors_weights_carry_no_subjects_and_are_accepted()
    {
        var set = Synthetic.Separable(3, 3);
        var path = Path.Combine(_dir, "exported.safetensors");
        using (var trainer = Trainer.Create(Config()))
        {
            trainer.Fit(set);
            var state = trainer.State();
            ModelsSupport.WriteSafetensors(path, state.ToDictionary(kv => kv.Key,
                kv => (kv.Value.shape.Select(d => (int)d).ToArray(), kv.Value.to(float32).data<float>().ToArray())));
            foreach (var tensor in state.Values)
                tensor.Dispose();
        }
        var result = Trainer.TrainFold(Config(path), set, Folds.LeaveOut(set, "casme2/sub01"));
        Assert.Equal(3, result.Predictions.Count);
        Assert.Null(result.SubjectsUnknown);
    }

    [Fact]
    public void A_checkpoint_of_another_fold_is_refused_as_this_folds_resume_even_by_a_worker()
    {
        var set = Synthetic.Separable(3, 3);
        var path = Path.Combine(_dir, "fold.ckpt");
        Trainer.TrainFold(Config(), set, Folds.LeaveOut(set, "casme2/sub02"), checkpointPath: path);

        // Its own fold resumes it: its subjects are that fold's training subjects.
        Assert.Equal(1, Trainer.TrainFold(Config(), set, Folds.LeaveOut(set, "casme2/sub02"), checkpointPath: path).ResumedEpoch);
        var error = Assert.Throws<TrainingException>(() =>
            Trainer.TrainFold(Config(), set, Folds.LeaveOut(set, "casme2/sub01"), checkpointPath: path, discardUnusableCheckpoint: true));
        Assert.Contains($"checkpoint {path} was trained on subject casme2/sub01, which this fold holds out", error.Message);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void A_checkpoint_without_a_subject_list_is_read_as_unknown_and_allowed_with_a_note()
    {
        var set = Synthetic.Separable(3, 3);
        var old = Pretrained(set, "old.ckpt");
        WithoutSubjects(old);
        using (var loaded = Trainer.Load(old))
            Assert.Null(loaded.Subjects);
        var result = Trainer.TrainFold(Config(old), set, Folds.LeaveOut(set, "casme2/sub01"));
        Assert.Equal($"model 'ststnet', fold 'casme2/sub01': weights {old} were written before checkpoints recorded their training subjects: not checked against the held-out subjects",
            result.SubjectsUnknown);
    }

    /// <summary>Rewrites a checkpoint's header as checkpoints written before subjects were recorded have it.</summary>
    private static void WithoutSubjects(string path)
    {
        byte[] rest;
        string magic;
        int format;
        JsonObject header;
        using (var reader = new BinaryReader(File.OpenRead(path)))
        {
            magic = reader.ReadString();
            format = reader.ReadInt32();
            header = JsonNode.Parse(reader.ReadString())!.AsObject();
            rest = reader.ReadBytes((int)(reader.BaseStream.Length - reader.BaseStream.Position));
        }
        Assert.True(header.Remove("subjects"));
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(magic);
        writer.Write(format);
        writer.Write(header.ToJsonString());
        writer.Write(rest);
    }
}
