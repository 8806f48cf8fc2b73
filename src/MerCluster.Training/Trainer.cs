using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core.Features;
using MerCluster.Core.Metrics;
using MerCluster.Training.Models;
using MerCluster.Training.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MerCluster.Training;

/// <summary>
/// One model with its optimizer and the epoch it reached, trained with TorchSharp. Feature set inputs are matched to
/// the model's inputs by name (the pipeline output names). The trainer
/// owns its random generators (initial weights, shuffles, augmentation, dropout) and sets its thread count on the
/// thread that calls it, so two trainers in one process are each deterministic. Failures throw
/// <see cref="TrainingException"/> naming the model, the fold when there is one, and the key or input; a cancelled
/// token throws <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class Trainer : IDisposable
{
    private const string CheckpointMagic = "mer-checkpoint";
    private const int CheckpointFormat = 3;

    // Model construction draws initial weights from torch's global generator: seeded and serialised here so two
    // trainers built at once still get their own seed's weights.
    private static readonly Lock Construction = new();

    private readonly ModelOptions _modelOptions;
    private readonly JsonObject _resolvedSettings;
    private readonly RecognitionModel _model;
    private readonly OptimizerHelper _optimizer;
    private readonly List<(ParameterGroup Group, double BaseRate)> _groups;
    private readonly Device _device;
    private readonly TrainOptions _train;

    // Subjects whose samples shaped the weights: fitted here, recorded in the resumed checkpoint, or in starting weights
    // that are a mer checkpoint; null when unknown (a checkpoint written before checkpoints recorded them).
    private SortedSet<string>? _subjects = new(StringComparer.Ordinal);

    // The file the weights came from when it records (or should record) subjects: the resumed checkpoint or the starting weights.
    private Provenance? _from;

    public string Model => _modelOptions.Name;

    /// <summary>What the model takes and its layer shapes, read once when the trainer is made.</summary>
    public ModelDescription Description { get; }

    /// <summary>The SVM head the model's config asks for, or null (the softmax head).</summary>
    public SvmOptions? Svm => _model.Svm;

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }

    /// <summary>
    /// The subjects (database-prefixed, as <see cref="FeatureSample.Subject"/>) whose samples the weights were trained
    /// on, including those of a resumed checkpoint and of starting weights that are a mer checkpoint; null when unknown.
    /// </summary>
    public IReadOnlySet<string>? Subjects => _subjects;

    private Trainer(ModelOptions model, TrainOptions train, bool resuming = false)
    {
        _modelOptions = model;
        _train = Validate(train);
        _device = DeviceOf(train.Device);
        ApplyThreads();
        lock (Construction)
        {
            torch.manual_seed(train.Seed);
            _model = ModelRegistry.Create(model.Name, model.Settings, out _resolvedSettings);
        }
        try
        {
            if (_model.WeightPenaltySetting is { } penalty && train.WeightDecay != 0)
                throw new TrainingException(TrainingStatus.Argument,
                    $"training config: key 'weight_decay' must be 0 for model '{model.Name}', whose one L2 regulariser is its setting '{penalty}' (got weight_decay {train.WeightDecay}; put the value there)");
            if (!resuming && _resolvedSettings[WeightsFile.Setting]?.GetValue<string>() is { Length: > 0 } weights)
                LoadStartingWeights(weights);
            _model.to(_device);
            var groups = _model.ParameterGroups();
            CheckGroups(groups);
            _groups = groups.Select(g => (g, g.LearningRate ?? train.LearningRate)).ToList();
            _optimizer = MakeOptimizer(groups, train);
            Description = Describe();
        }
        catch
        {
            _model.Dispose();
            throw;
        }
    }

    public static Trainer Create(ModelOptions model, TrainOptions train) => new(model, train);

    /// <summary>
    /// Why the train section's <c>learning_rate</c> does nothing for <paramref name="model"/> (every parameter group has
    /// a rate of its own setting), or null when some group trains at it. Builds the model alone: no weights, no optimizer.
    /// </summary>
    public static string? UnusedLearningRate(ModelOptions model)
    {
        RecognitionModel built;
        lock (Construction)
            built = ModelRegistry.Create(model.Name, model.Settings, out _);
        using (built)
        {
            var groups = built.ParameterGroups();
            return groups.All(g => g.LearningRate is not null) ? ModelDescription.LearningRateUnused(model.Name, groups.Select(g => g.Name)) : null;
        }
    }

    public static Trainer Create(TrainingConfig config) => Create(config.Model, config.Train);

    /// <summary>Rebuilds a trainer from a checkpoint at its epoch; <paramref name="overrides"/> replaces training keys (e.g. more epochs, another device).</summary>
    public static Trainer Load(string checkpoint, IReadOnlyDictionary<string, object>? overrides = null)
    {
        FileStream file;
        try
        {
            file = File.OpenRead(checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingException(TrainingStatus.Io, $"cannot read checkpoint {checkpoint}: {e.Message}");
        }
        using (file)
        using (var reader = new BinaryReader(file))
        {
            var header = ReadHeader(reader, checkpoint);
            var train = header.Train;
            if (overrides is not null)
            {
                var json = JsonSerializer.SerializeToNode(train, ModelDescription.Json)!.AsObject();
                foreach (var (key, value) in overrides)
                {
                    if (!json.ContainsKey(key))
                        throw new TrainingException(TrainingStatus.Argument, $"training overrides: unknown key '{key}'");
                    json[key] = JsonSerializer.SerializeToNode(value);
                }
                train = json.Deserialize<TrainOptions>(ModelDescription.Json)!;
            }
            var trainer = new Trainer(new ModelOptions { Name = header.Model, Settings = header.Settings }, train, resuming: true);
            try
            {
                trainer._model.load(reader, strict: true);
                trainer._optimizer.load_state_dict(reader);
            }
            catch (Exception e) when (e is not TrainingException)
            {
                trainer.Dispose();
                throw new TrainingException(TrainingStatus.Io, $"checkpoint {checkpoint} does not fit model '{header.Model}' of this build: {e.Message}");
            }
            trainer._optimizer.to(trainer._device);
            trainer.Epoch = header.Epoch;
            trainer._subjects = SubjectsOf(header);
            trainer._from = new Provenance(checkpoint, Resumed: true);
            return trainer;
        }
    }

    private static Header ReadHeader(BinaryReader reader, string checkpoint)
    {
        try
        {
            if (reader.ReadString() != CheckpointMagic)
                throw new InvalidDataException("no checkpoint header");
            var format = reader.ReadInt32();
            if (format != CheckpointFormat)
                throw new InvalidDataException($"format {format}, this build reads format {CheckpointFormat}");
            return JsonSerializer.Deserialize<Header>(reader.ReadString(), ModelDescription.Json) ?? throw new InvalidDataException("empty header");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or JsonException or IOException)
        {
            throw new TrainingException(TrainingStatus.Io, $"checkpoint {checkpoint} is not a mer checkpoint this build can read ({e.Message})");
        }
    }

    private static SortedSet<string>? SubjectsOf(Header header) => header.Subjects is { } subjects ? new(subjects, StringComparer.Ordinal) : null;

    /// <summary>Whether <paramref name="path"/> starts like a checkpoint this trainer writes.</summary>
    internal static bool IsCheckpoint(string path)
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
            writer.Write(CheckpointMagic);
        return WeightsFile.StartsWith(path, stream.ToArray());
    }

    /// <summary>The model tensors (parameters and buffers, on the CPU) of a checkpoint of <paramref name="model"/>.</summary>
    internal static Dictionary<string, Tensor> ModelTensors(string path, string model)
    {
        using var source = Load(path, new Dictionary<string, object> { ["device"] = "cpu" });
        if (source.Model != model)
            throw new TrainingException(TrainingStatus.Argument, $"weights file '{path}' is a checkpoint of model '{source.Model}', not of '{model}'");
        return source.State();
    }

    /// <summary>Copies of the model's parameters and buffers by tensor name, on the CPU (the caller disposes them).</summary>
    public Dictionary<string, Tensor> State() => _model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().clone());

    private void LoadStartingWeights(string path)
    {
        var tensors = WeightsFile.Read(path, Model);
        try
        {
            _model.LoadWeights(tensors, path);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
        }
        // Only our checkpoints say what they were trained on; safetensors and PyTorch files are taken as trained
        // outside the databases (ImageNet, macro-expressions), which the user vouches for by naming them.
        if (!IsCheckpoint(path))
            return;
        using (var reader = new BinaryReader(File.OpenRead(path)))
            _subjects = SubjectsOf(ReadHeader(reader, path));
        _from = new Provenance(path, Resumed: false);
    }

    /// <summary>
    /// Throws, naming the file and the subject, when the weights this trainer starts from (a resumed checkpoint, or
    /// starting weights that are a mer checkpoint) were trained on one of <paramref name="heldOut"/>: a fold evaluated
    /// on a subject its model has seen is a leak across the LOSO split. Weights that record no subjects pass, and the
    /// returned line says so (null otherwise).
    /// </summary>
    public string? CheckHeldOut(IEnumerable<string> heldOut, string context)
    {
        if (_from is not { } from)
            return null;
        var what = from.Resumed ? $"checkpoint {from.File} was" : $"weights {from.File} were";
        if (_subjects is null)
            return $"{context}: {what} written before checkpoints recorded their training subjects: not checked against the held-out subjects";
        var leaked = heldOut.Where(_subjects.Contains).Distinct().Order(StringComparer.Ordinal).ToList();
        if (leaked.Count == 0)
            return null;
        var subjects = leaked.Count == 1 ? $"subject {leaked[0]}" : $"subjects {string.Join(", ", leaked)}";
        throw new TrainingException(TrainingStatus.Argument,
            $"{context}: {what} trained on {subjects}, which this fold holds out (a leak across the LOSO split)");
    }

    /// <summary>The model's current description (epoch, configs, layer shapes, optimizer groups).</summary>
    public ModelDescription Describe()
    {
        ApplyThreads();
        IReadOnlyList<(string Name, long[] Shape)> shapes;
        long featureSize;
        using (no_grad())
        using (NewDisposeScope())
        {
            _model.eval();
            var probe = _model.Inputs.Select(i => zeros([1, .. i.Shape], device: _device)).ToList();
            shapes = _model.TraceShapes(probe, out var output);
            featureSize = output.Features.shape[1];
            _model.train();
        }
        var rates = _optimizer.ParamGroups.Select(g => g.LearningRate).ToList();
        return new ModelDescription(Model, (JsonObject)_resolvedSettings.DeepClone(), JsonSerializer.SerializeToNode(_train, ModelDescription.Json)!.AsObject(),
            Epoch, _model.Classes, _model.parameters().Sum(p => p.numel()), (int)featureSize, get_num_threads(),
            _model.Inputs.Select(ModelInput.Of).ToList(),
            shapes.Select(s => new LayerShape(s.Name, s.Shape.Select(d => (int)d).ToArray())).ToList())
        {
            ParameterGroups = _groups.Select((g, i) => new OptimizerGroup(g.Group.Name, g.Group.Parameters.Sum(p => p.numel()), rates[i], g.Group.Scheduled)).ToList(),
            UsesTrainLearningRate = _groups.Any(g => g.Group.LearningRate is null),
        };
    }

    /// <summary>Trains on every sample of <paramref name="features"/> from the epoch reached to the configured epochs.</summary>
    /// <returns>The last epoch's mean training loss (NaN when no epoch ran).</returns>
    /// <remarks>After each checkpoint written to <paramref name="checkpointPath"/>, <paramref name="checkpointSaved"/> runs (a fold copies it to its artifact store there).</remarks>
    public double Fit(FeatureSet features, IProgress<EpochProgress>? progress = null, CancellationToken cancellation = default,
        string? checkpointPath = null, float[]? sampleWeights = null, string? fold = null, Action<string>? checkpointSaved = null)
    {
        void Checkpoint()
        {
            Save(checkpointPath!);
            checkpointSaved?.Invoke(checkpointPath!);
        }

        var context = Context(fold);
        if (features.Classes.Count != _model.Classes)
            throw new TrainingException(TrainingStatus.Argument,
                $"{context}: the feature set has {features.Classes.Count} classes [{string.Join(", ", features.Classes)}], the model {_model.Classes} (model setting 'classes')");
        if (sampleWeights is not null && sampleWeights.Length != features.Count)
            throw new ArgumentException($"{context}: {sampleWeights.Length} sample weights for {features.Count} samples");
        if (features.Count == 0)
            throw new TrainingException(TrainingStatus.Argument, $"{context}: training needs at least one sample");
        if (sampleWeights is not null && !sampleWeights.All(w => w >= 0))
            throw new TrainingException(TrainingStatus.Argument, $"{context}: sample weights must be non-negative");
        ApplyThreads();
        using var data = new Batches(InputsFor(features, context), features.LabelIndices(), sampleWeights, AugmentableMinMax(features, context));
        if (Epoch < _train.Epochs)
            _subjects?.UnionWith(features.Samples.Select(s => s.Subject));
        if (Epoch == 0 && _train.Epochs > 0)
        {
            // Its own generator (epoch -1 of the seed), so the stage draws the same whether or not epochs follow.
            using var generator = new Generator(EpochSeed(_train.Seed, -1));
            _model.Prepare(new TrainingRows(data.Inputs, data.Labels, _device, _train.BatchSize, generator, cancellation));
        }
        var loss = double.NaN;
        while (Epoch < _train.Epochs)
        {
            var (epochLoss, finished) = RunEpoch(data, progress, cancellation);
            if (!finished)
            {
                // Mid-epoch the weights are half an epoch on: nothing is saved, the last checkpoint stands.
                throw new OperationCanceledException($"{context}: training cancelled during epoch {Epoch + 1}", cancellation);
            }
            loss = epochLoss;
            if (cancellation.IsCancellationRequested)
            {
                if (checkpointPath is not null)
                    Checkpoint();
                throw new OperationCanceledException($"{context}: training cancelled after epoch {Epoch}", cancellation);
            }
            if (checkpointPath is not null && _train.CheckpointEvery > 0 && Epoch % _train.CheckpointEvery == 0 && Epoch < _train.Epochs)
                Checkpoint();
        }
        if (checkpointPath is not null)
            Checkpoint();
        return loss;
    }

    /// <summary>Class probabilities, one row per sample in the feature set's class order.</summary>
    public float[][] Predict(FeatureSet features, string? fold = null) => Evaluate(features, fold, output => softmax(output.Logits, 1));

    /// <summary>Raw logits (before the softmax), one row of <see cref="ModelDescription.Classes"/> per sample.</summary>
    public float[][] Logits(FeatureSet features, string? fold = null) => Evaluate(features, fold, output => output.Logits);

    /// <summary>Penultimate features, one row of <see cref="ModelDescription.FeatureSize"/> per sample.</summary>
    public float[][] Features(FeatureSet features, string? fold = null) => Evaluate(features, fold, output => output.Features);

    /// <summary>Model, optimizer state, epoch and both configurations; written beside the target and renamed into place, so a crash never leaves a torn checkpoint.</summary>
    public void Save(string path)
    {
        var partial = path + ".partial";
        try
        {
            using (var file = File.Create(partial))
            using (var writer = new BinaryWriter(file))
            {
                writer.Write(CheckpointMagic);
                writer.Write(CheckpointFormat);
                writer.Write(JsonSerializer.Serialize(new Header(Model, _modelOptions.Settings, _train, Epoch, _subjects?.ToList()), ModelDescription.Json));
                _model.save(writer);
                _optimizer.save_state_dict(writer);
            }
            File.Move(partial, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(partial);
            throw new TrainingException(TrainingStatus.Io, $"model '{Model}': cannot write checkpoint {path}: {e.Message}");
        }
    }

    /// <summary>
    /// Trains on the fold's training rows and predicts its test rows (the held-out subject of a LOSO fold; rows index
    /// <paramref name="features"/>, which the protocol was built over). With a checkpoint path, an existing
    /// checkpoint there is resumed (at its epoch) and the training is saved there as it goes. With
    /// <paramref name="discardUnusableCheckpoint"/> (a fold's own checkpoint folder) a checkpoint that cannot
    /// resume this fold is deleted and the fold trains from the start (<see cref="FoldResult.DiscardedCheckpoint"/>
    /// says why); without it that is an error, as for a file the user named. A resumed checkpoint or starting weights
    /// (a mer checkpoint) trained on a held-out subject is an error naming the file and the subject
    /// (<see cref="CheckHeldOut"/>); one that records no subjects trains, and <see cref="FoldResult.SubjectsUnknown"/> says so.
    /// <paramref name="resumed"/> hears the epoch of a resumed checkpoint as training carries on from it, not once it is over
    /// (an attempt cut short again has still resumed).
    /// </summary>
    public static FoldResult TrainFold(TrainingConfig config, FeatureSet features, Core.Protocols.Fold fold,
        IProgress<EpochProgress>? progress = null, CancellationToken cancellation = default, string? checkpointPath = null,
        bool discardUnusableCheckpoint = false, Action<string>? checkpointSaved = null, Action<int>? resumed = null)
    {
        var context = $"model '{config.Model.Name}', fold '{fold.Name}'";
        if (fold.TrainRows.Concat(fold.TestRows).Any(row => row < 0 || row >= features.Count))
            throw new TrainingException(TrainingStatus.Argument, $"{context}: its rows do not index the feature set's {features.Count} samples");
        var train = features.Rows(fold.TrainRows);
        var heldOut = features.Rows(fold.TestRows);
        if (train.Count == 0)
            throw new TrainingException(TrainingStatus.Argument, $"{context}: no training samples");
        if (heldOut.Count == 0)
            throw new TrainingException(TrainingStatus.Argument, $"{context}: no held-out samples");
        var leaked = heldOut.Samples.Select(s => s.Subject).Intersect(train.Samples.Select(s => s.Subject)).FirstOrDefault();
        if (leaked is not null)
            throw new TrainingException(TrainingStatus.Argument, $"{context}: subject '{leaked}' is both trained on and held out");
        string? discarded = null;
        using var trainer = CreateOrResume(config, checkpointPath, $"fold '{fold.Name}'", discardUnusableCheckpoint ? why => discarded = why : null);
        var subjectsUnknown = trainer.CheckHeldOut(heldOut.Samples.Select(s => s.Subject), context);
        var resumedEpoch = trainer.Epoch;
        if (resumedEpoch > 0)
            resumed?.Invoke(resumedEpoch);
        var loss = trainer.Fit(train, progress, cancellation, checkpointPath, fold: fold.Name, checkpointSaved: checkpointSaved);
        // Seed 004 classifies with an SVM on the penultimate features when the model config asks for it.
        var probabilities = trainer.Svm is { } svm
            ? SvmHead.Predict(trainer, train, heldOut, svm, fold.Name)
            : trainer.Predict(heldOut, fold.Name);
        var predictions = heldOut.Samples.Select((s, i) => SamplePrediction.Of(s, features.Classes, probabilities[i])).ToList();
        return new FoldResult(trainer.Model, fold, predictions, loss, trainer.Epoch, resumedEpoch, discarded, subjectsUnknown);
    }

    /// <summary>
    /// The checkpoint at <paramref name="checkpointPath"/> when it exists, else a new trainer of <paramref name="config"/>.
    /// A checkpoint is taken with the settings that may differ on the machine resuming it (epochs to reach, threads,
    /// device, checkpoint interval); everything else is the checkpoint's own, so the resumed training is the same
    /// experiment. A checkpoint that cannot resume (of another model, tensors of another build of the model,
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

    /// <summary>
    /// Times one epoch through the trainer against the same batches as bare TorchSharp steps (forward, loss, backward,
    /// step on batches gathered beforehand), best of <paramref name="repeats"/> each after one warm-up epoch; it changes
    /// the weights, so use a trainer made for it.
    /// </summary>
    public TrainBenchResult Benchmark(FeatureSet features, int repeats = 3)
    {
        if (repeats < 1)
            throw new ArgumentOutOfRangeException(nameof(repeats), "the benchmark needs at least one repeat");
        ApplyThreads();
        using var data = new Batches(InputsFor(features, Context(null)), features.LabelIndices(), null, AugmentableMinMax(features, Context(null)));
        RunEpoch(data, null, default);
        double trainerSeconds = double.PositiveInfinity, rawSeconds = double.PositiveInfinity;
        var steps = (int)((data.Count + _train.BatchSize - 1) / _train.BatchSize);

        double Bare()
        {
            using var scope = NewDisposeScope();
            using var order = EpochOrder(data, new Generator(EpochSeed(_train.Seed, Epoch)));
            var batches = Enumerable.Range(0, steps).Select(step =>
            {
                var index = order.narrow(0, step * (long)_train.BatchSize, Math.Min(_train.BatchSize, data.Count - step * (long)_train.BatchSize));
                return (Inputs: data.Inputs.Select(x => x.index_select(0, index).to(_device)).ToList(), Labels: data.Labels.index_select(0, index).to(_device));
            }).ToList();
            _model.train();
            var lossSum = zeros([], device: _device);
            var clock = Stopwatch.StartNew();
            foreach (var (inputs, labels) in batches)
            {
                using var step = NewDisposeScope();
                _optimizer.zero_grad();
                var loss = _model.Loss(_model.Forward(inputs), labels, null);
                loss.backward();
                _optimizer.step();
                lossSum.add_(loss.detach());
            }
            _ = lossSum.item<float>(); // waits for the device, as the trainer does at the end of an epoch
            return clock.Elapsed.TotalSeconds;
        }

        double Loop()
        {
            var clock = Stopwatch.StartNew();
            RunEpoch(data, null, default);
            return clock.Elapsed.TotalSeconds;
        }

        // Alternating which goes first keeps order effects (caches, allocator state) out of the comparison.
        for (var r = 0; r < repeats; r++)
        {
            if (r % 2 == 0)
            {
                rawSeconds = Math.Min(rawSeconds, Bare());
                trainerSeconds = Math.Min(trainerSeconds, Loop());
            }
            else
            {
                trainerSeconds = Math.Min(trainerSeconds, Loop());
                rawSeconds = Math.Min(rawSeconds, Bare());
            }
        }
        return new TrainBenchResult(trainerSeconds, rawSeconds, steps, get_num_threads());
    }

    /// <summary>
    /// Throws, naming the input, unless <paramref name="features"/> carries every input of this model in the model's
    /// shape (what training would find out at its first step).
    /// </summary>
    public void CheckInputs(FeatureSet features, string context)
    {
        InputsFor(features, context);
        AugmentableMinMax(features, context);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }

    /// <summary>A generator and seed for one epoch derived from (seed, epoch) alone (splitmix64), so an epoch draws the
    /// same shuffles, augmentations and dropout masks whether training ran straight through or resumed.</summary>
    public static ulong EpochSeed(long seed, int epoch)
    {
        unchecked
        {
            var z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch + 1;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    private (double Loss, bool Finished) RunEpoch(Batches data, IProgress<EpochProgress>? progress, CancellationToken cancellation)
    {
        var n = data.Count;
        var batch = (long)_train.BatchSize;
        var steps = (n + batch - 1) / batch;
        var seed = EpochSeed(_train.Seed, Epoch);
        using var generator = new Generator(seed);
        using var modelGenerator = _device.type == DeviceType.CPU ? null : new Generator(seed, _device);
        _model.Random = modelGenerator ?? generator;
        for (var g = 0; g < _groups.Count; g++)
            _optimizer.ParamGroups.ElementAt(g).LearningRate = RateAt(Epoch, _groups[g]);
        _model.BeginEpoch(Epoch);
        _model.train();
        var augmenting = Augmentation.Enabled(_train);
        using var order = EpochOrder(data, generator);
        using var lossSum = zeros([], device: _device);
        var clock = Stopwatch.StartNew();
        try
        {
            for (long step = 0; step < steps; step++)
            {
                using (NewDisposeScope())
                {
                    var index = order.narrow(0, step * batch, Math.Min(batch, n - step * batch));
                    List<Tensor> inputs = data.Inputs.Select(x => x.index_select(0, index).to(_device)).ToList();
                    if (augmenting)
                        inputs = Augmentation.Apply(inputs, _model.Inputs, _train, generator, data.MinMax);
                    var labels = data.Labels.index_select(0, index).to(_device);
                    var weights = data.Weights?.index_select(0, index).to(_device);
                    _optimizer.zero_grad();
                    var loss = _model.Loss(_model.Forward(inputs), labels, weights);
                    loss.backward();
                    _optimizer.step();
                    lossSum.add_(loss.detach() * index.shape[0]);
                }
                if (step + 1 < steps && cancellation.IsCancellationRequested)
                    return (double.NaN, false);
            }
        }
        finally
        {
            _model.Random = null;
        }
        var epochLoss = lossSum.item<float>() / (double)n;
        NativeHeap.TrimNowAndThen();
        Epoch++;
        progress?.Report(new EpochProgress(Epoch, _train.Epochs, epochLoss, n / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
        return (epochLoss, true);
    }

    private Tensor EpochOrder(Batches data, Generator generator)
    {
        if (!_train.ClassBalanced)
            return randperm(data.Count, generator: generator);
        using var scope = NewDisposeScope();
        var counts = bincount(data.Labels).to(float64);
        var probability = counts.reciprocal().index_select(0, data.Labels);
        return multinomial(probability, data.Count, replacement: true, generator: generator).MoveToOuterDisposeScope();
    }

    private double RateAt(int epoch, (ParameterGroup Group, double BaseRate) group) =>
        group.Group.Scheduled && _train.Schedule == "cosine" && _train.Epochs > 0
            ? group.BaseRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / _train.Epochs))
            : group.BaseRate;

    private float[][] Evaluate(FeatureSet features, string? fold, Func<ModelOutput, Tensor> pick)
    {
        var context = Context(fold);
        var arrays = InputsFor(features, context);
        ApplyThreads();
        var rows = new List<float[]>(features.Count);
        using (no_grad())
        {
            _model.eval();
            try
            {
                for (var begin = 0; begin < features.Count; begin += _train.BatchSize)
                {
                    using var scope = NewDisposeScope();
                    var count = Math.Min(_train.BatchSize, features.Count - begin);
                    var inputs = arrays.Select(a => Slice(a, begin, count).to(_device)).ToList();
                    var result = pick(_model.Forward(inputs)).to(CPU).contiguous();
                    var width = (int)result.shape[1];
                    var flat = result.data<float>().ToArray();
                    for (var i = 0; i < count; i++)
                        rows.Add(flat.AsSpan(i * width, width).ToArray());
                }
            }
            finally
            {
                _model.train();
            }
        }
        return rows.ToArray();
    }

    private static Tensor Slice(Core.Arrays.NdArray<float> array, int begin, int count)
    {
        var sample = array.Shape[1..].Aggregate(1L, (a, b) => a * b);
        var values = array.Data.AsSpan((int)(begin * sample), (int)(count * sample)).ToArray();
        return tensor(values, [count, .. array.Shape[1..].Select(d => (long)d)]);
    }

    private List<Core.Arrays.NdArray<float>> InputsFor(FeatureSet features, string context)
    {
        var specs = _model.Inputs;
        // Model inputs are named as the pipeline outputs that feed them.
        var arrays = specs.Select(input => features.Inputs.TryGetValue(input.Name, out var array) ? array
            : throw new TrainingException(TrainingStatus.Argument,
                $"{context}: the feature set has no input '{input.Name}' (it has: {string.Join(", ", features.Inputs.Keys)})")).ToList();
        for (var i = 0; i < specs.Count; i++)
        {
            var shape = arrays[i].Shape[1..];
            if (!shape.Select(d => (long)d).SequenceEqual(specs[i].Shape))
                throw new TrainingException(TrainingStatus.Argument,
                    $"{context}: input '{specs[i].Name}' has shape [{string.Join(",", shape)}], model '{Model}' expects [{string.Join(",", specs[i].Shape)}]");
        }
        var labelsOk = features.LabelIndices().All(l => l >= 0 && l < _model.Classes);
        if (!labelsOk)
            throw new TrainingException(TrainingStatus.Argument, $"{context}: labels must be class indices in [0, {_model.Classes})");
        return arrays;
    }

    /// <summary>
    /// Per model input, the top of its per-sample min-max range in the feature set (null where it is not scaled so).
    /// Such an input is no longer a displacement: a mirror maps it exactly, but a rotation or a zoom cannot turn its
    /// vectors, so those augmentations stop the training, naming their keys.
    /// </summary>
    private float?[] AugmentableMinMax(FeatureSet features, string context)
    {
        var turning = new[] { ("train.rotation_degrees", _train.RotationDegrees), ("train.scale_jitter", _train.ScaleJitter) }
            .Where(key => key.Item2 > 0).Select(key => key.Item1).ToList();
        var scaled = _model.Inputs.FirstOrDefault(s => s.MotionChannels && features.MinMax.ContainsKey(s.Name));
        if (scaled is { } spec && turning.Count > 0)
            throw new TrainingException(TrainingStatus.Argument,
                $"{context}: {string.Join(" and ", turning)} cannot apply to input '{spec.Name}': its channels are min-max scaled per sample " +
                $"(0..{features.MinMax[spec.Name]:0.###}), so its u and v no longer turn or stretch as vectors; set {string.Join(" and ", turning)} to 0 " +
                "(train.horizontal_flip still applies: a mirrored sample's u becomes the top of its range minus u) or use the pipeline's flow_uvs.scale: pixels");
        return _model.Inputs.Select(spec => features.MinMax.TryGetValue(spec.Name, out var high) ? high : (float?)null).ToArray();
    }

    private string Context(string? fold) => fold is null ? $"model '{Model}'" : $"model '{Model}', fold '{fold}'";

    private void ApplyThreads()
    {
        var threads = _train.Threads > 0 ? _train.Threads : Environment.ProcessorCount;
        if (get_num_threads() != threads)
            set_num_threads(threads);
    }

    private static TrainOptions Validate(TrainOptions train)
    {
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(train, new ValidationContext(train), errors, validateAllProperties: true))
        {
            var error = errors[0];
            var key = JsonNamingPolicy.SnakeCaseLower.ConvertName(error.MemberNames.FirstOrDefault() ?? "?");
            throw new TrainingException(TrainingStatus.Argument, $"training config: key '{key}': {error.ErrorMessage}");
        }
        return train;
    }

    /// <summary>Throws a <see cref="TrainingException"/> naming what is available when <paramref name="text"/> is not a device this machine and build can train on.</summary>
    public static void CheckDevice(string text) => DeviceOf(text);

    private static Device DeviceOf(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, "^(cpu|cuda)(?::([0-9]+))?$");
        if (!match.Success || (match.Groups[1].Value == "cpu" && match.Groups[2].Success))
            throw new TrainingException(TrainingStatus.Argument, $"training config: key 'device' must be cpu, cuda or cuda:N, got '{text}'");
        if (match.Groups[1].Value == "cuda")
        {
            // Asked before torch.device, which a CPU build of libtorch refuses for any CUDA name.
            if (!cuda.is_available())
                throw new TrainingException(TrainingStatus.Argument,
                    $"training config: key 'device' is '{text}' but CUDA is not available (this build has the CPU libtorch or there is no GPU; available: cpu)");
            var index = match.Groups[2].Success ? int.Parse(match.Groups[2].Value) : 0;
            if (index >= cuda.device_count())
                throw new TrainingException(TrainingStatus.Argument,
                    $"training config: key 'device' is '{text}' but there are only {cuda.device_count()} CUDA devices (cuda:0..cuda:{cuda.device_count() - 1})");
        }
        return torch.device(text);
    }

    // Every trainable parameter in exactly one group: one left out would silently never train.
    private void CheckGroups(IReadOnlyList<ParameterGroup> groups)
    {
        var seen = new HashSet<IntPtr>();
        foreach (var group in groups)
            foreach (var p in group.Parameters)
                if (!seen.Add(p.Handle))
                    throw new TrainingException(TrainingStatus.Internal, $"model '{Model}': a parameter is in two optimizer groups (the second: '{group.Name}')");
        foreach (var (name, p) in _model.named_parameters())
            if (!seen.Contains(p.Handle))
                throw new TrainingException(TrainingStatus.Internal, $"model '{Model}': parameter '{name}' is in no optimizer group");
    }

    private static OptimizerHelper MakeOptimizer(IReadOnlyList<ParameterGroup> groups, TrainOptions t) => t.Optimizer switch
    {
        "adamw" => optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, lr: g.LearningRate ?? t.LearningRate, weight_decay: g.WeightDecay ?? t.WeightDecay)),
            lr: t.LearningRate, weight_decay: t.WeightDecay),
        "sgd" => optim.SGD(groups.Select(g => new SGD.ParamGroup(g.Parameters, lr: g.LearningRate ?? t.LearningRate, momentum: t.Momentum, weight_decay: g.WeightDecay ?? t.WeightDecay)),
            learningRate: t.LearningRate, momentum: t.Momentum, weight_decay: t.WeightDecay),
        _ => optim.Adam(groups.Select(g => new Adam.ParamGroup(g.Parameters, lr: g.LearningRate ?? t.LearningRate, weight_decay: g.WeightDecay ?? t.WeightDecay)),
            lr: t.LearningRate, weight_decay: t.WeightDecay),
    };

    /// <summary>
    /// What a checkpoint records besides the tensors: the model and its settings as given, the training settings, the
    /// epoch, and the subjects the weights were trained on (<see cref="Subjects"/>; absent or null in checkpoints
    /// written before they were recorded, read as unknown).
    /// </summary>
    private sealed record Header(string Model, IReadOnlyDictionary<string, string> Settings, TrainOptions Train, int Epoch, IReadOnlyList<string>? Subjects = null);

    /// <summary>The file a trainer's weights came from: a checkpoint it resumed, or starting weights.</summary>
    private sealed record Provenance(string File, bool Resumed);

    /// <summary>A training or prediction set as CPU tensors (copied once from the feature arrays): inputs in the model's order, labels, optional weights.</summary>
    private sealed class Batches : IDisposable
    {
        public Batches(IReadOnlyList<Core.Arrays.NdArray<float>> inputs, long[] labels, float[]? weights, float?[] minMax)
        {
            MinMax = minMax;
            Inputs = inputs.Select(a => tensor(a.Data, a.Shape.Select(d => (long)d).ToArray())).ToList();
            Labels = tensor(labels);
            Weights = weights is null ? null : tensor(weights);
            Count = labels.Length;
        }

        public List<Tensor> Inputs { get; }
        public Tensor Labels { get; }
        public Tensor? Weights { get; }
        public long Count { get; }
        /// <summary>Per input, the top of its per-sample min-max range, or null.</summary>
        public float?[] MinMax { get; }

        public void Dispose()
        {
            foreach (var x in Inputs)
                x.Dispose();
            Labels.Dispose();
            Weights?.Dispose();
        }
    }
}

/// <summary>One benchmark: best epoch time through the trainer and bare, steps per epoch, and torch's thread count.</summary>
public sealed record TrainBenchResult(double TrainerSeconds, double RawSeconds, int Steps, int Threads)
{
    /// <summary>What the trainer's loop adds over bare TorchSharp steps, as a fraction of the bare time.</summary>
    public double LoopOverheadFraction => TrainerSeconds / RawSeconds - 1;
}
