using System.CommandLine;
using System.Globalization;
using MerCluster.Core.Arrays;
using MerCluster.Core.Configuration;
using MerCluster.Core.Features;
using MerCluster.Core.Metrics;
using MerCluster.Core.Protocols;
using MerCluster.Training;
using MerCluster.Training.Models;
using MerCluster.Training.Torch;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer predict --model NAME --config FILE --weights FILE --features DIR [--holdout SUBJECT] --out FILE [--logits FILE]`:
/// runs a model with given weights (a mer checkpoint, safetensors, or a PyTorch zip-format state dict such as the
/// STSTNet authors' per-subject weights) on a feature set, without training, and writes the predictions CSV
/// `mer train --csv` writes (and the raw logits as .npy). MobileViT-SVM's SVM head is fitted on the other subjects of
/// the feature set, so it needs --holdout. Every error exits 1 before anything is written.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model the config configures (its model.name; see `mer models list`).", Required = true };
        var config = new Option<FileInfo>("--config") { Description = "A YAML file with model: and train: sections (e.g. configs/models/ststnet.yaml).", Required = true };
        var weights = new Option<FileInfo>("--weights")
        {
            Description = "The weights to predict with (replaces the model setting 'weights'): a mer checkpoint, safetensors, or a PyTorch zip-format state dict.",
            Required = true,
        };
        var features = new Option<DirectoryInfo>("--features") { Description = "A feature set directory (featureset.json, samples.csv, one .npy per input).", Required = true };
        var holdout = new Option<string?>("--holdout") { Description = "Predict only this subject's samples, e.g. casme2/sub01 (default: every sample)." };
        var output = new Option<FileInfo>("--out") { Description = "The predictions CSV to write (the columns `mer metrics` reads).", Required = true };
        var logits = new Option<FileInfo?>("--logits") { Description = "Also write the raw logits [samples, classes] as float32 .npy." };
        var command = new Command("predict", "Predict a feature set with a model and given weights (no training).")
        {
            model, config, weights, features, holdout, output, logits,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(Run(parse.GetValue(model)!, parse.GetValue(config)!, parse.GetValue(weights)!,
            parse.GetValue(features)!, parse.GetValue(holdout), parse.GetValue(output)!, parse.GetValue(logits))));
        return command;
    }

    private static int Run(string model, FileInfo configFile, FileInfo weights, DirectoryInfo featuresDir, string? holdout, FileInfo output, FileInfo? logitsFile)
    {
        TrainingConfig config;
        FeatureSet features;
        Fold? fold = null;
        try
        {
            config = TrainingConfig.Load(configFile.FullName);
            if (config.Model.Name != model)
                return Fail($"--model {model} but {configFile.FullName} configures model.name '{config.Model.Name}'");
            if (!weights.Exists)
                return Fail($"--weights: weights file '{weights.FullName}' does not exist");
            if (!featuresDir.Exists)
                return Fail($"--features: feature set folder '{featuresDir.FullName}' does not exist");
            features = FeatureSet.Read(featuresDir.FullName);
            if (holdout is not null)
                fold = LosoProtocol.Over(features).Fold(holdout);
        }
        catch (Exception e) when (e is ConfigException or InvalidDataException or IOException or ArgumentException)
        {
            return Fail(e.Message);
        }

        var settings = new Dictionary<string, string>(config.Model.Settings) { [WeightsFile.Setting] = weights.FullName };
        config = config with { Model = config.Model with { Settings = settings } };
        var predicted = fold is null ? features : features.Rows(fold.TestRows);
        float[][] scores;
        float[][]? logits = null;
        bool svmScores;
        try
        {
            using var trainer = Trainer.Create(config);
            if (trainer.Description.Classes != features.Classes.Count)
                return Fail($"model '{model}' has {trainer.Description.Classes} classes (model setting 'classes'), the feature set {featuresDir.FullName} " +
                    $"{features.Classes.Count} [{string.Join(", ", features.Classes)}]");
            if (trainer.Svm is { } svm)
            {
                if (fold is null)
                    return Fail($"model '{model}' classifies with an SVM (model setting 'classifier: svm' in {configFile.FullName}) fitted on the training " +
                        "subjects' features: give --holdout SUBJECT to fit it on every other subject, or set 'classifier: softmax'");
                if (logitsFile is not null)
                    return Fail($"--logits: model '{model}' classifies with an SVM (model setting 'classifier: svm'), which has no logits");
                var train = features.Rows(fold.TrainRows);
                if (train.Count == 0)
                    return Fail($"model '{model}' fits its SVM (model setting 'classifier: svm') on the other subjects, but {featuresDir.FullName} has none besides {holdout}");
                scores = SvmHead.Predict(trainer, train, predicted, svm, fold.Name);
                svmScores = true;
            }
            else
            {
                scores = trainer.Predict(predicted, holdout);
                if (logitsFile is not null)
                    logits = trainer.Logits(predicted, holdout);
                svmScores = false;
            }
        }
        catch (TrainingException e)
        {
            return Fail(e.Message);
        }

        var predictions = predicted.Samples.Select((s, i) => SamplePrediction.Of(s, features.Classes, scores[i])).ToList();
        if (!WriteOutputs(output, predictions, logitsFile, logits, features.Classes.Count))
            return 1;

        var title = holdout is null ? $"all {predicted.Count} samples" : $"subject {holdout} ({predicted.Count} samples)";
        var table = new Table().Title($"{model} with {Markup.Escape(weights.Name)}: {Markup.Escape(title)}");
        table.AddColumns("sample", "label", "predicted");
        foreach (var c in features.Classes)
            table.AddColumn(new TableColumn(svmScores ? $"score({c})" : $"p({c})").RightAligned());
        foreach (var p in predictions)
            table.AddRow([Markup.Escape(p.SampleId), Markup.Escape(p.Label),
                p.Label == p.Predicted ? $"[green]{Markup.Escape(p.Predicted)}[/]" : $"[red]{Markup.Escape(p.Predicted)}[/]",
                .. p.Probabilities.Select(v => v.ToString("F3", CultureInfo.InvariantCulture))]);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{predictions.Count(p => p.Label == p.Predicted)}/{predictions.Count} correct");
        AnsiConsole.MarkupLine($"predictions written to {Markup.Escape(output.FullName)}");
        if (logitsFile is not null)
            AnsiConsole.MarkupLine($"logits written to {Markup.Escape(logitsFile.FullName)}");
        return 0;
    }

    /// <summary>Writes both files beside their targets and renames them into place only when both are complete.</summary>
    private static bool WriteOutputs(FileInfo output, IReadOnlyList<SamplePrediction> predictions, FileInfo? logitsFile, float[][]? logits, int classes)
    {
        var csvPartial = output.FullName + ".partial";
        var npyPartial = logitsFile is null ? null : logitsFile.FullName + ".partial";
        try
        {
            using (var writer = new StreamWriter(csvPartial))
                PredictionsCsv.Write(writer, predictions.Select(p => new Prediction(p.SampleId, p.Subject, p.Database, p.Label, p.Predicted)));
            if (npyPartial is not null)
                Npy.Write(npyPartial, new NdArray<float>([logits!.Length, classes], logits.SelectMany(row => row).ToArray()));
            File.Move(csvPartial, output.FullName, overwrite: true);
            if (npyPartial is not null)
                File.Move(npyPartial, logitsFile!.FullName, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var partial in new[] { csvPartial, npyPartial })
                if (partial is not null && File.Exists(partial))
                    File.Delete(partial);
            Console.Error.WriteLine($"cannot write the predictions: {e.Message}");
            return false;
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }
}
