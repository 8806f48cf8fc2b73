using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MerCluster.Training.Torch;

/// <summary>
/// One input a model consumes, per sample [channels, height, width], named as the pipeline output that feeds it.
/// <paramref name="MotionChannels"/>: channels 0 and 1 are a displacement (u, v), so a geometric augmentation turns
/// the vectors with the image (a horizontal flip negates u). <paramref name="Boxes"/>: each row of the last dimension is
/// a box (x, y, width, height) in fractions of the model's images, moved with them rather than resampled as pixels.
/// </summary>
public sealed record InputSpec(string Name, string Description, long[] Shape, bool MotionChannels = false, bool Boxes = false);

/// <summary>A forward pass: logits [N, classes] (softmax gives the class probabilities), penultimate features [N, D],
/// and an optional scalar loss the model adds to its classification loss (contrastive, reconstruction...).</summary>
public sealed record ModelOutput(Tensor Logits, Tensor Features, Tensor? AuxiliaryLoss = null);

/// <summary>
/// The rows a model trains on, as the trainer holds them (CPU tensors in the model's input order, class indices), for
/// the model's own stage before its first epoch: <paramref name="Random"/> is the trainer's, seeded for that stage, and
/// <paramref name="BatchSize"/> and <paramref name="Device"/> are the train section's.
/// </summary>
public sealed record TrainingRows(IReadOnlyList<Tensor> Inputs, Tensor Labels, Device Device, int BatchSize, Generator Random,
    CancellationToken Cancellation);

/// <summary>
/// Parameters the optimizer treats alike. A model whose parts train at their own rates (FRL-DGT's displacement
/// generator) returns several; unset values are the train section's. <paramref name="Scheduled"/> false keeps the
/// group's rate constant whatever the schedule.
/// </summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double? LearningRate = null,
    double? WeightDecay = null, bool Scheduled = true);

/// <summary>
/// What every registered architecture is to the trainer: its inputs in order, its class count, a forward pass over the
/// input tensors, its loss and its optimizer groups. Multi-input models and models with losses of their own drop in
/// without trainer changes. Register a subclass with <see cref="ModelAttribute"/> and a constructor taking
/// <see cref="ModelSettings"/>.
/// </summary>
public abstract class RecognitionModel(string name) : nn.Module(name)
{
    private List<(string Name, long[] Shape)>? _trace;

    public abstract IReadOnlyList<InputSpec> Inputs { get; }

    /// <summary>
    /// The random generator of the trainer that owns this model, on the model's device: every random draw of a forward
    /// pass (dropout masks, random choices) comes from it, never from torch's global generator, so two trainers in one
    /// process stay each deterministic. Setting it reaches every <see cref="SeededDropout"/> of the model. Null: the
    /// global generator (a model used outside a trainer).
    /// </summary>
    public Generator? Random
    {
        get => _random;
        set
        {
            _random = value;
            foreach (var dropout in modules().OfType<SeededDropout>())
                dropout.Random = value;
        }
    }

    private Generator? _random;

    public abstract int Classes { get; }

    /// <summary>The SVM head the model's config asks for (fitted on the penultimate features after training), or null: the softmax head.</summary>
    public virtual Models.SvmOptions? Svm => null;

    public abstract ModelOutput Forward(IReadOnlyList<Tensor> inputs);

    /// <summary>Cross-entropy of the logits (weighted per sample when <paramref name="weights"/> is given) plus the auxiliary loss.</summary>
    public virtual Tensor Loss(ModelOutput output, Tensor labels, Tensor? weights)
    {
        Tensor loss;
        if (weights is null)
            loss = nn.functional.cross_entropy(output.Logits, labels);
        else
        {
            var perSample = nn.functional.cross_entropy(output.Logits, labels, reduction: nn.Reduction.None);
            loss = (perSample * weights).sum() / weights.sum().clamp_min(1e-12);
        }
        return output.AuxiliaryLoss is null ? loss : loss + output.AuxiliaryLoss;
    }

    /// <summary>
    /// The model setting holding the model's own L2 penalty on its weights (MobileViT-SVM's <c>l2</c>), or null. Such a
    /// model's seed has one weight regulariser, so the trainer refuses a non-zero <c>train.weight_decay</c> beside it
    /// rather than stacking a second one.
    /// </summary>
    public virtual string? WeightPenaltySetting => null;

    /// <summary>Called by the trainer before every epoch (0-based, the same after a resume): a model whose layers train on a schedule (MobileViT-SVM's gradual unfreezing) sets them here.</summary>
    public virtual void BeginEpoch(int epoch)
    {
    }

    /// <summary>
    /// Runs once before the first epoch on exactly the rows the trainer then trains on (a fold's training subjects, never
    /// its held-out one): a stage of the model's own (MFVAN's teacher pretraining) and what it needs to know of the
    /// training set (MFVAN's class weights). What it learns lives in parameters and buffers, so a resumed checkpoint
    /// keeps it and the stage does not run again. Default: nothing.
    /// </summary>
    public virtual void Prepare(TrainingRows rows)
    {
    }

    /// <summary>The optimizer's groups; every parameter in exactly one. Default: one group "all" with the train section's settings.</summary>
    public virtual IReadOnlyList<ParameterGroup> ParameterGroups() => [new ParameterGroup("all", parameters().ToList())];

    /// <summary>
    /// Copies weights (the model setting <c>weights</c>) by tensor name: every parameter and buffer must be in
    /// <paramref name="tensors"/> with its shape, except the classifier's (<see cref="IsClassifier"/>), which is copied
    /// when the file has it in the model's shape (the same classes: a trained model to predict with) and otherwise keeps
    /// its initial values (starting weights from another task). Tensors the model does not have are ignored. Errors name
    /// the tensor and <paramref name="source"/>. A model whose published weights cover only a part (MSMMT's ViTs)
    /// overrides it.
    /// </summary>
    public virtual void LoadWeights(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        using var noGrad = no_grad();
        foreach (var (name, target) in state_dict())
        {
            if (IsClassifier(name) && !(tensors.TryGetValue(name, out var head) && head.shape.SequenceEqual(target.shape)))
                continue;
            if (!tensors.TryGetValue(name, out var value))
                throw new TrainingException(TrainingStatus.Argument, $"weights file '{source}' has no tensor '{name}' of model '{GetName()}'");
            if (!value.shape.SequenceEqual(target.shape))
                throw new TrainingException(TrainingStatus.Argument,
                    $"weights file '{source}': tensor '{name}' has shape [{string.Join(",", value.shape)}], model '{GetName()}' needs [{string.Join(",", target.shape)}]");
            target.copy_(value.to(target.dtype, target.device));
        }
    }

    /// <summary>Whether a tensor belongs to the classifier head, which weights of other classes leave as initialised. Default: none.</summary>
    protected virtual bool IsClassifier(string tensor) => false;

    /// <summary>Runs one forward pass recording the per-sample shapes the model marks with <see cref="Trace"/>.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> TraceShapes(IReadOnlyList<Tensor> inputs, out ModelOutput output)
    {
        _trace = [];
        try
        {
            output = Forward(inputs);
            return _trace;
        }
        finally
        {
            _trace = null;
        }
    }

    /// <summary>Inverted dropout with masks from <see cref="Random"/> (for a model that applies it as a function).</summary>
    protected Tensor Dropout(Tensor x, double p)
    {
        using var dropout = new SeededDropout(p) { Random = Random };
        dropout.train(training);
        return dropout.forward(x);
    }

    /// <summary>Records <paramref name="tensor"/>'s per-sample shape under <paramref name="layer"/> while <see cref="TraceShapes"/> runs; free otherwise.</summary>
    protected void Trace(string layer, Tensor tensor) => _trace?.Add((layer, tensor.shape[1..]));
}
