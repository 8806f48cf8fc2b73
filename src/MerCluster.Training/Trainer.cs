using MerCluster.Training.Models;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using MerCluster.Core.Arrays;
using MerCluster.Core.Features;

namespace MerCluster.Training;

/// <summary>
/// One native model with its optimizer and the epoch it reached. Feature set inputs are matched to the model's
/// inputs by name (a single-input model takes a single-input feature set whatever its name). Failures throw
/// <see cref="TrainingException"/> naming the model, the fold when there is one, and the native key or input;
/// a cancelled token throws <see cref="OperationCanceledException"/>.
/// </summary>
public sealed unsafe class Trainer : IDisposable
{
    private readonly TrainerHandle _handle;

    public string Model { get; }

    /// <summary>What the model takes and its layer shapes; read once from the native side.</summary>
    public ModelDescription Description { get; }

    private Trainer(TrainerHandle handle)
    {
        _handle = handle;
        Description = Describe();
        Model = Description.Model;
    }

    public static Trainer Create(ModelOptions model, TrainOptions train)
    {
        var status = NativeMethods.Create(model.Name, model.SettingsJson(), train.ToJson(), out var handle);
        TrainingException.Check(status, $"model '{model.Name}'");
        return new Trainer(handle);
    }

    public static Trainer Create(TrainingConfig config) => Create(config.Model, config.Train);

    /// <summary>Rebuilds a trainer from a checkpoint at its epoch; <paramref name="overrides"/> replaces training keys (e.g. more epochs, another device).</summary>
    public static Trainer Load(string checkpoint, IReadOnlyDictionary<string, object>? overrides = null)
    {
        var json = overrides is null ? null : JsonSerializer.Serialize(overrides);
        var status = NativeMethods.Load(checkpoint, json, out var handle);
        TrainingException.Check(status, $"checkpoint {checkpoint}");
        return new Trainer(handle);
    }

    /// <summary>Epochs completed.</summary>
    public int Epoch
    {
        get
        {
            TrainingException.Check(NativeMethods.Epoch(_handle, out var epoch), $"model '{Model}'");
            return epoch;
        }
    }

    /// <summary>Reads the model's current description (epoch, configs, shapes) from the native side.</summary>
    public ModelDescription Describe() =>
        JsonSerializer.Deserialize<ModelDescription>(
            TrainingCore.ReadJson((b, c) => (NativeMethods.Describe(_handle, (byte*)b, c, out var n), n), "describing the model"),
            ModelDescription.Json)!;

    /// <summary>Trains on every sample of <paramref name="features"/> from the epoch reached to the configured epochs.</summary>
    /// <returns>The last epoch's mean training loss (NaN when no epoch ran).</returns>
    public double Fit(FeatureSet features, IProgress<EpochProgress>? progress = null, CancellationToken cancellation = default,
        string? checkpointPath = null, float[]? sampleWeights = null, string? fold = null)
    {
        var context = Context(fold);
        if (features.Classes.Count != Description.Classes)
            throw new TrainingException(TrainingStatus.Argument,
                $"{context}: the feature set has {features.Classes.Count} classes [{string.Join(", ", features.Classes)}], the model {Description.Classes} (model setting 'classes')");
        if (sampleWeights is not null && sampleWeights.Length != features.Count)
            throw new ArgumentException($"{context}: {sampleWeights.Length} sample weights for {features.Count} samples");
        var labels = features.LabelIndices();
        var sink = new ProgressSink(progress, cancellation);
        var sinkHandle = GCHandle.Alloc(sink);
        try
        {
            int status;
            using (var inputs = new PinnedInputs(InputsFor(features, context)))
            fixed (long* l = labels)
            fixed (float* w = sampleWeights)
                status = NativeMethods.Fit(_handle, inputs.Pointer, inputs.Count, l, w, checkpointPath, &OnProgress, GCHandle.ToIntPtr(sinkHandle));
            if (sink.Error is { } error)
                throw new TrainingException(TrainingStatus.Internal, $"{context}: the progress handler failed: {error.Message}");
            if (status == (int)TrainingStatus.Cancelled)
                throw new OperationCanceledException($"{context}: training cancelled after epoch {Epoch}", cancellation);
            TrainingException.Check(status, context);
            return sink.LastLoss;
        }
        finally
        {
            sinkHandle.Free();
        }
    }

    /// <summary>Class probabilities, one row per sample in the feature set's class order.</summary>
    public float[][] Predict(FeatureSet features, string? fold = null) =>
        Evaluate(features, Description.Classes, fold, (inputs, count, output, capacity) => NativeMethods.Predict(_handle, inputs, count, output, capacity));

    /// <summary>Penultimate features, one row of <see cref="ModelDescription.FeatureSize"/> per sample.</summary>
    public float[][] Features(FeatureSet features, string? fold = null) =>
        Evaluate(features, Description.FeatureSize, fold, (inputs, count, output, capacity) => NativeMethods.Features(_handle, inputs, count, output, capacity));

    public void Save(string path) => TrainingException.Check(NativeMethods.Save(_handle, path), $"model '{Model}': saving {path}");

    /// <summary>
    /// Trains on the fold's training subjects and predicts its held-out subject. With a checkpoint path, an existing
    /// checkpoint there is resumed (at its epoch) and the training is saved there as it goes. With
    /// <paramref name="discardUnusableCheckpoint"/> (the worker's own checkpoint folder) a checkpoint that cannot
    /// resume this fold is deleted and the fold trains from the start (<see cref="FoldResult.DiscardedCheckpoint"/>
    /// says why); without it that is an error, as for a file the user named.
    /// </summary>
    public static FoldResult TrainFold(TrainingConfig config, FeatureSet features, TrainingFold fold,
        IProgress<EpochProgress>? progress = null, CancellationToken cancellation = default, string? checkpointPath = null,
        bool discardUnusableCheckpoint = false)
    {
        if (fold.TrainSubjects.Contains(fold.HeldOutSubject))
            throw new TrainingException(TrainingStatus.Argument, $"model '{config.Model.Name}', fold '{fold}': the held-out subject is among the training subjects");
        var trainSubjects = fold.TrainSubjects.ToHashSet();
        var train = features.Where(s => trainSubjects.Contains(s.Subject));
        var heldOut = features.Where(s => s.Subject == fold.HeldOutSubject);
        if (train.Count == 0)
            throw new TrainingException(TrainingStatus.Argument, $"model '{config.Model.Name}', fold '{fold}': no training samples");
        if (heldOut.Count == 0)
            throw new TrainingException(TrainingStatus.Argument, $"model '{config.Model.Name}', fold '{fold}': the held-out subject has no samples");
        string? discarded = null;
        using var trainer = CreateOrResume(config, checkpointPath, $"fold '{fold}'", discardUnusableCheckpoint ? why => discarded = why : null);
        var resumedEpoch = trainer.Epoch;
        var loss = trainer.Fit(train, progress, cancellation, checkpointPath, fold: fold.HeldOutSubject);
        // Seed 004 classifies with an SVM on the penultimate features when the model config asks for it.
        var probabilities = SvmOptions.For(config.Model) is { } svm
            ? SvmHead.Predict(trainer, train, heldOut, svm, fold.HeldOutSubject)
            : trainer.Predict(heldOut, fold.HeldOutSubject);
        var predictions = heldOut.Samples.Select((s, i) => new SamplePrediction(s.SampleId, s.Subject, s.Database, s.Label,
            features.Classes[ArgMax(probabilities[i])], probabilities[i])).ToList();
        return new FoldResult(trainer.Model, fold, predictions, loss, trainer.Epoch, resumedEpoch, discarded);
    }

    /// <summary>
    /// The checkpoint at <paramref name="checkpointPath"/> when it exists, else a new trainer of <paramref name="config"/>.
    /// A checkpoint is taken with the settings that may differ on the machine resuming it (epochs to reach, threads,
    /// device, checkpoint interval); everything else is the checkpoint's own, so the resumed training is the same
    /// experiment. A checkpoint that cannot resume (of another model, missing tensors of this build of the model,
    /// unreadable) is an error naming it and <paramref name="context"/>; when <paramref name="discard"/> is given it is
    /// deleted instead, the reason goes to <paramref name="discard"/>, and a new trainer starts.
    /// </summary>
    public static Trainer CreateOrResume(TrainingConfig config, string? checkpointPath, string context, Action<string>? discard = null)
    {
        if (checkpointPath is null || !File.Exists(checkpointPath))
            return Create(config);
        try
        {
            var trainer = Load(checkpointPath, new Dictionary<string, object>
            {
                ["epochs"] = config.Train.Epochs,
                ["threads"] = config.Train.Threads,
                ["device"] = config.Train.Device,
                ["checkpoint_every"] = config.Train.CheckpointEvery,
            });
            if (trainer.Model != config.Model.Name)
            {
                trainer.Dispose();
                throw new TrainingException(TrainingStatus.Argument,
                    $"model '{config.Model.Name}', {context}: checkpoint {checkpointPath} holds model '{trainer.Model}'");
            }
            return trainer;
        }
        catch (TrainingException e) when (discard is not null && e.Status is TrainingStatus.Argument or TrainingStatus.Io)
        {
            File.Delete(checkpointPath);
            discard(e.Message);
            return Create(config);
        }
    }

    /// <summary>Times one epoch through the trainer against the same batches as bare libtorch steps (changes the weights).</summary>
    public TrainBenchResult Benchmark(FeatureSet features, int repeats = 3)
    {
        var labels = features.LabelIndices();
        NativeMethods.Bench result;
        int status;
        using (var inputs = new PinnedInputs(InputsFor(features, Context(null))))
        fixed (long* l = labels)
            status = NativeMethods.Benchmark(_handle, inputs.Pointer, inputs.Count, l, repeats, out result);
        TrainingException.Check(status, $"{Context(null)}: benchmark");
        return new TrainBenchResult(result.TrainerSeconds, result.RawSeconds, (int)result.Steps, result.Threads);
    }

    public void Dispose() => _handle.Dispose();

    private string Context(string? fold) => fold is null ? $"model '{Model}'" : $"model '{Model}', fold '{fold}'";

    private delegate int EvaluateCall(NativeMethods.Input* inputs, int count, float* output, long capacity);

    private float[][] Evaluate(FeatureSet features, int width, string? fold, EvaluateCall call)
    {
        var flat = new float[(long)features.Count * width];
        int status;
        using (var inputs = new PinnedInputs(InputsFor(features, Context(fold))))
        fixed (float* output = flat)
            status = call(inputs.Pointer, inputs.Count, output, flat.LongLength);
        TrainingException.Check(status, Context(fold));
        return Enumerable.Range(0, features.Count).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
    }

    /// <summary>
    /// Throws, naming the input, unless <paramref name="features"/> carries every input of this model in the model's
    /// shape (what training would find out at its first step).
    /// </summary>
    public void CheckInputs(FeatureSet features, string context)
    {
        var arrays = InputsFor(features, context);
        for (var i = 0; i < arrays.Count; i++)
        {
            var expected = Description.Inputs[i];
            var shape = arrays[i].Shape.Skip(1).ToArray();
            if (!shape.SequenceEqual(expected.Shape))
                throw new TrainingException(TrainingStatus.Argument,
                    $"{context}: input '{expected.Name}' has shape [{string.Join(",", shape)}], model '{Model}' expects [{string.Join(",", expected.Shape)}]");
        }
    }

    private List<NdArray<float>> InputsFor(FeatureSet features, string context)
    {
        if (Description.Inputs.Count == 1 && features.Inputs.Count == 1)
            return [features.Inputs.Values.Single()];
        return Description.Inputs.Select(input => features.Inputs.TryGetValue(input.Name, out var array) ? array
            : throw new TrainingException(TrainingStatus.Argument,
                $"{context}: the feature set has no input '{input.Name}' (it has: {string.Join(", ", features.Inputs.Keys)})")).ToList();
    }

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] > values[best])
                best = i;
        return best;
    }

    [UnmanagedCallersOnly]
    private static int OnProgress(NativeMethods.Progress* progress, IntPtr user)
    {
        var sink = (ProgressSink)GCHandle.FromIntPtr(user).Target!;
        try
        {
            if (progress->EpochDone != 0)
            {
                sink.LastLoss = progress->Loss;
                sink.Progress?.Report(new EpochProgress(progress->Epoch, progress->Epochs, progress->Loss, progress->SamplesPerSecond));
            }
            return sink.Cancellation.IsCancellationRequested ? 1 : 0;
        }
        catch (Exception e)
        {
            // No exception may unwind into native code: keep it, stop training, rethrow on the managed side.
            sink.Error = e;
            return 1;
        }
    }

    private sealed class ProgressSink(IProgress<EpochProgress>? progress, CancellationToken cancellation)
    {
        public IProgress<EpochProgress>? Progress { get; } = progress;
        public CancellationToken Cancellation { get; } = cancellation;
        public double LastLoss { get; set; } = double.NaN;
        public Exception? Error { get; set; }
    }

    /// <summary>The feature arrays pinned for one native call, described as mer_train_input structs.</summary>
    private sealed class PinnedInputs : IDisposable
    {
        private readonly MemoryHandle[] _pins;
        private readonly NativeMethods.Input[] _inputs;
        private GCHandle _array;

        public PinnedInputs(IReadOnlyList<NdArray<float>> arrays)
        {
            _pins = new MemoryHandle[arrays.Count];
            _inputs = new NativeMethods.Input[arrays.Count];
            for (var i = 0; i < arrays.Count; i++)
            {
                var shape = arrays[i].Shape;
                _pins[i] = arrays[i].Data.AsMemory().Pin();
                _inputs[i] = new NativeMethods.Input
                {
                    Data = (float*)_pins[i].Pointer, N = shape[0], Channels = shape[1], Height = shape[2], Width = shape[3],
                };
            }
            _array = GCHandle.Alloc(_inputs, GCHandleType.Pinned);
        }

        public NativeMethods.Input* Pointer => (NativeMethods.Input*)_array.AddrOfPinnedObject();
        public int Count => _inputs.Length;

        public void Dispose()
        {
            _array.Free();
            foreach (var pin in _pins)
                pin.Dispose();
        }
    }
}

/// <summary>One benchmark: best epoch time through the trainer and bare, steps per epoch, and torch's thread count.</summary>
public sealed record TrainBenchResult(double TrainerSeconds, double RawSeconds, int Steps, int Threads)
{
    /// <summary>What the trainer's loop adds over bare libtorch steps, as a fraction of the bare time.</summary>
    public double LoopOverheadFraction => TrainerSeconds / RawSeconds - 1;
}
