using System.CommandLine;
using System.Globalization;
using MerCluster.Core.Configuration;
using MerCluster.Core.Features;
using MerCluster.Core.Metrics;
using MerCluster.Core.Protocols;
using MerCluster.Training;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer train --model NAME --features DIR --holdout SUBJECT`: trains one leave-one-subject-out fold and prints its
/// predictions. `--holdout none --checkpoint FILE` trains on every sample and keeps the model in FILE: a pretraining
/// stage (MobileViT-SVM on macro-expressions) whose checkpoint a fine-tuning config names as `weights`. Checkpoints
/// record the subjects they were trained on, so a fold refuses weights trained on its held-out subject.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The --holdout value that holds no subject out.</summary>
    public const string NoHoldout = "none";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A registered model (see `mer models list`).", Required = true };
        var features = new Option<DirectoryInfo>("--features") { Description = "A feature set directory (featureset.json, samples.csv, one .npy per input).", Required = true };
        var holdout = new Option<string>("--holdout")
        {
            Description = $"The held-out subject, e.g. casme2/sub01; every other subject trains. '{NoHoldout}': train on every sample (needs --checkpoint, which keeps the model).",
            Required = true,
        };
        var config = new Option<FileInfo?>("--config") { Description = "A YAML file with model: and train: sections (default: configs/models/MODEL.yaml)." };
        var epochs = new Option<int?>("--epochs") { Description = "Override the configured number of epochs." };
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "Resume from this checkpoint if it exists, and save the training there." };
        var csv = new Option<FileInfo?>("--csv") { Description = "Also write the predictions as CSV (the columns `mer metrics` reads)." };
        var command = new Command("train", "Train a model on one leave-one-subject-out fold and predict the held-out subject.")
        {
            model, features, holdout, config, epochs, checkpoint, csv,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(holdout) == NoHoldout && result.GetValue(checkpoint) is null)
                result.AddError($"--holdout {NoHoldout} trains on every sample and predicts none: give --checkpoint FILE to keep the model");
            else if (result.GetValue(holdout) == NoHoldout && result.GetValue(csv) is not null)
                result.AddError($"--holdout {NoHoldout} predicts no sample: --csv does not apply");
        });
        command.SetAction((parse, cancellation) => Task.FromResult(Run(parse.GetValue(model)!, parse.GetValue(features)!, parse.GetValue(holdout)!,
            parse.GetValue(config), parse.GetValue(epochs), parse.GetValue(checkpoint), parse.GetValue(csv), cancellation)));
        return command;
    }

    private static int Run(string model, DirectoryInfo featuresDir, string holdout, FileInfo? configFile, int? epochs,
        FileInfo? checkpoint, FileInfo? csv, CancellationToken cancellation)
    {
        TrainingConfig config;
        FeatureSet features;
        try
        {
            config = configFile is null ? TrainingConfig.ForModel(model) : TrainingConfig.Load(configFile.FullName);
            if (config.Model.Name != model)
            {
                Console.Error.WriteLine($"--model {model} but {configFile?.FullName} configures model.name '{config.Model.Name}'");
                return 2;
            }
            if (epochs is { } e)
                config = config with { Train = config.Train with { Epochs = e } };
            features = FeatureSet.Read(featuresDir.FullName);
            WarnUnusedLearningRate(config, configFile?.FullName ?? TrainingConfig.PathFor(model));
        }
        catch (Exception e) when (e is ConfigException or InvalidDataException or IOException or ArgumentException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        return holdout == NoHoldout
            ? RunAll(config, features, checkpoint!, cancellation)
            : RunFold(config, features, holdout, checkpoint, csv, cancellation);
    }

    /// <summary>
    /// A config that writes <c>train.learning_rate</c> for a model whose every parameter group has a rate of its own
    /// (FRL-DGT) is told so before training, instead of training as if the rate mattered.
    /// </summary>
    private static void WarnUnusedLearningRate(TrainingConfig config, string path)
    {
        if (!File.Exists(path) || PaperSettings.Read(path, "").All(s => s.Key != "train.learning_rate"))
            return;
        try
        {
            if (Trainer.UnusedLearningRate(config.Model) is { } unused)
                Console.Error.WriteLine($"warning: {path}: {unused}; set those instead");
        }
        catch (TrainingException)
        {
            // The training itself reports what is wrong with the model's settings.
        }
    }

    private static int RunFold(TrainingConfig config, FeatureSet features, string holdout, FileInfo? checkpoint, FileInfo? csv, CancellationToken cancellation)
    {
        var model = config.Model.Name;
        Fold fold;
        try
        {
            fold = LosoProtocol.Over(features).Fold(holdout);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        FoldResult result;
        try
        {
            result = WithProgress($"{model} fold {holdout}", config.Train.Epochs, progress =>
                Trainer.TrainFold(config, features, fold, progress, cancellation, checkpoint?.FullName));
        }
        catch (TrainingException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine(checkpoint is null ? "cancelled" : $"cancelled; run again with --checkpoint {checkpoint.FullName} to resume");
            return 130;
        }

        if (result.SubjectsUnknown is { } unknown)
            Console.Error.WriteLine($"warning: {unknown}");
        var table = new Table().Title($"{model}: held-out subject {holdout} (loss {result.FinalLoss:F4} after {result.Epochs} epochs)");
        table.AddColumns("sample", "label", "predicted");
        foreach (var c in features.Classes)
            table.AddColumn(new TableColumn($"p({c})").RightAligned());
        foreach (var p in result.Predictions)
            table.AddRow([Markup.Escape(p.SampleId), p.Label, p.Label == p.Predicted ? $"[green]{p.Predicted}[/]" : $"[red]{p.Predicted}[/]",
                .. p.Probabilities.Select(v => v.ToString("F3", CultureInfo.InvariantCulture))]);
        AnsiConsole.Write(table);
        var correct = result.Predictions.Count(p => p.Label == p.Predicted);
        AnsiConsole.MarkupLine($"{correct}/{result.Predictions.Count} correct");

        if (csv is not null)
        {
            using var writer = new StreamWriter(csv.FullName);
            PredictionsCsv.Write(writer, result.Predictions.Select(p => new Prediction(p.SampleId, p.Subject, p.Database, p.Label, p.Predicted)));
            AnsiConsole.MarkupLine($"predictions written to {Markup.Escape(csv.FullName)}");
        }
        return 0;
    }

    /// <summary>
    /// Trains on every sample and saves the model to <paramref name="checkpoint"/> (resuming it when it exists, as a fold's
    /// checkpoint resumes: with this run's epochs, threads, device and checkpoint interval).
    /// </summary>
    private static int RunAll(TrainingConfig config, FeatureSet features, FileInfo checkpoint, CancellationToken cancellation)
    {
        var model = config.Model.Name;
        var subjects = features.Samples.Select(s => s.Subject).Distinct().Count();
        double loss;
        int epochsDone;
        try
        {
            using var trainer = Trainer.CreateOrResume(config, checkpoint.FullName, $"all {features.Count} samples");
            loss = WithProgress($"{model} on all {features.Count} samples", config.Train.Epochs, progress =>
                trainer.Fit(features, progress, cancellation, checkpoint.FullName));
            epochsDone = trainer.Epoch;
        }
        catch (TrainingException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"cancelled; run again with --checkpoint {checkpoint.FullName} to resume");
            return 130;
        }
        AnsiConsole.MarkupLineInterpolated(
            $"{model}: trained on {features.Count} samples of {subjects} subjects, {epochsDone} epochs, final loss {loss:F4}; checkpoint {checkpoint.FullName}");
        AnsiConsole.MarkupLineInterpolated($"fine-tune from it: set model.settings.weights: {checkpoint.FullName} in the fine-tuning config");
        return 0;
    }

    /// <summary>Runs <paramref name="work"/> under a progress bar of its epochs, labelled <paramref name="label"/>.</summary>
    private static T WithProgress<T>(string label, int epochs, Func<IProgress<EpochProgress>, T> work) =>
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(label, maxValue: Math.Max(1, epochs));
                return work(new SyncProgress(p =>
                {
                    task.Value = p.Epoch;
                    task.Description = $"{label}: epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4} ({p.SamplesPerSecond:F0} samples/s)";
                }));
            });

    /// <summary>Reports on the training thread itself (Progress&lt;T&gt; would post to a thread pool and arrive late).</summary>
    private sealed class SyncProgress(Action<EpochProgress> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value);
    }
}
