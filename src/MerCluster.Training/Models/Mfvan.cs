using System.Globalization;
using MerCluster.Training.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Models;

/// <summary>
/// MFVAN (Pan et al., "Multi-scale fusion visual attention network for facial micro-expression recognition",
/// Front. Neurosci. 2023; seed 002): an apex->onset autoencoder removes identity (a residual teacher, pretrained by
/// self-supervised reconstruction, guides a shallow student); a multi-scale ViT runs over the apex and the student's
/// convolutional feature maps; at each scale the patches the class token attends to above a threshold are fused by an
/// MLP; focal, mask and multi-scale classification losses. Settings: configs/models/mfvan.yaml.
/// </summary>
/// <remarks>
/// The seed's equations did not survive in its text; these readings fill them in:
/// <list type="bullet">
/// <item>Teacher: conv stem, 3 stride-2 stages (convolution, batch norm, ReLU, residual blocks), 3 transposed
/// convolutions, sigmoid; student: the same without residual blocks.</item>
/// <item>Identity loss = MSE(T(apex), onset) + MSE(S(apex), onset) + MSE(S(apex), T(apex)) (the teacher as the student's
/// soft target, not updated by that term).</item>
/// <item>The teacher's self-supervised pretraining is a stage of its own before the first epoch (section 3.1: "we first
/// pre-trained the teacher model ... by feeding all images from the micro-expression video samples"): for
/// <c>teacher_pretrain_epochs</c> epochs it reconstructs every frame of input <c>frames</c> (the pipeline's evenly
/// spread onset..offset frames, <c>frames</c> of them per clip) of the rows it trains on, which for a fold are the
/// training subjects' only, with its own Adam at <c>teacher_learning_rate</c>. 0 epochs: no stage and no
/// <c>frames</c> input.</item>
/// <item>Scales: the apex (patch p) and the student's first and second convolutional feature maps, at 1/2 and 1/4
/// (patches p/2, p/4; section 4.5 shows these three), so every scale has the same (size/p)^2 tokens; each scale has
/// its own embedding, class token, positions and layers.</item>
/// <item>Masking: the class token's last-layer attention to the patches (mean over heads), renormalised over the
/// patches, times the patch count (1 = uniform); patches at or above <c>mask_threshold</c> are averaged and passed
/// through the scale's MLP.</item>
/// <item>Losses: focal with alpha_t the inverse frequency of the sample's class among the training rows (section 3.3's
/// weight of the t-th class: N / (classes n_c), the mean weight 1 when every class is there; kept in the buffer
/// <c>class_weights</c>, set before the first epoch) on the fused prediction, on each scale's class token and,
/// weighted by <c>mask_weight</c>, on each scale's masked-patch prediction; plus the identity loss weighted by
/// <c>identity_weight</c>.</item>
/// <item>Prediction: an MLP over [student bottleneck pooled, every scale's masked-patch feature].</item>
/// </list>
/// </remarks>
[Model("mfvan",
    "MFVAN: apex->onset teacher/student identity removal + multi-scale ViT with attention-threshold masking (seed 002)")]
public sealed class Mfvan : RecognitionModel
{
    private const int Scales = 3; // the apex and the student's first two feature maps

    private readonly MfvanAutoencoder teacher, student;
    private readonly MfvanScale scale0, scale1, scale2;
    private readonly Linear fc1, fc2;
    private readonly SeededDropout dropout;
    private readonly double _focalGamma, _maskWeight, _identityWeight, _teacherLearningRate;
    private readonly int _teacherPretrainEpochs, _frames;

    // The per-scale (class-token, masked-patch) logits of the last forward pass, for Loss(): the trainer calls
    // Loss(Forward(batch)) back to back, and ModelOutput has room for one prediction only.
    private readonly List<Tensor> _scaleLogits = [];

    public override IReadOnlyList<InputSpec> Inputs { get; }

    public override int Classes { get; }

    /// <summary>The per-scale logits of the last forward pass, in the order scale0 class token, scale0 masked patches, scale1...</summary>
    public IReadOnlyList<Tensor> ScaleLogits => _scaleLogits;

    public Mfvan(ModelSettings settings) : base("mfvan")
    {
        Classes = settings.Integer("classes", 3, 2, 1000);
        var imageSize = settings.Integer("image_size", 224, 16, 4096);
        var patch = settings.Integer("patch", 16, 8, 1024);
        if (patch % 4 != 0 || imageSize % (2 * patch) != 0)
            throw settings.Invalid("key 'patch' must be a multiple of 4 (the 1/4 map's patch is patch/4) dividing half of key 'image_size' (the 1/2 map)");
        var width = settings.Integer("width", 32, 2, 512);
        var teacherBlocks = settings.Integer("teacher_blocks", 2, 1, 16);
        var dim = settings.Integer("dim", 192, 8, 4096);
        var heads = settings.Integer("heads", 3, 1, 64);
        if (dim % heads != 0)
            throw settings.Invalid("key 'dim' must be a multiple of key 'heads'");
        var mlpDim = settings.Integer("mlp_dim", 768, 8, 16384);
        var transformerDropout = settings.Number("transformer_dropout", 0.1, 0, 1);
        var depth = settings.Integer("depth", 4, 1, 48);
        var headHidden = settings.Integer("head_hidden", 256, 1, 16384);
        var dropoutRate = settings.Number("dropout", 0.5, 0, 1);
        var threshold = settings.Number("mask_threshold", 1.0, 0, 1e6);
        _focalGamma = settings.Number("focal_gamma", 2.0, 0, 10);
        _maskWeight = settings.Number("mask_weight", 1.0, 0, 1e3);
        _identityWeight = settings.Number("identity_weight", 1.0, 0, 1e3);
        _teacherPretrainEpochs = settings.Integer("teacher_pretrain_epochs", 0, 0, 10_000);
        _teacherLearningRate = settings.Number("teacher_learning_rate", 1e-3, 0, 10);
        _frames = settings.Integer("frames", 8, 1, 256);

        var size = (long)imageSize;
        List<InputSpec> inputs =
        [
            new InputSpec("apex", "aligned apex frame, BGR in 0..1 (classified)", [3, size, size]),
            new InputSpec("onset", "aligned onset frame, BGR in 0..1 (the identity autoencoder's target)", [3, size, size]),
        ];
        if (_teacherPretrainEpochs > 0)
            inputs.Add(new InputSpec("frames", "aligned frames spread over onset..offset, BGR in 0..1 (the teacher's pretraining only)",
                [3L * _frames, size, size]));
        Inputs = inputs;
        var block = new BlockOptions(Dim: dim, Heads: heads, MlpDim: mlpDim, Dropout: transformerDropout);
        teacher = new MfvanAutoencoder(width, teacherBlocks);
        student = new MfvanAutoencoder(width, 0);
        long grid = imageSize / patch;
        MfvanScale Scale(int s) => new(s == 0 ? 3 : (long)width << s, patch >> s, grid * grid, block, depth, Classes, threshold);
        scale0 = Scale(0);
        scale1 = Scale(1);
        scale2 = Scale(2);
        fc1 = nn.Linear(((long)width << 3) + Scales * (long)dim, headHidden);
        dropout = new SeededDropout(dropoutRate);
        fc2 = nn.Linear(headHidden, Classes);
        RegisterComponents();
        register_buffer("class_weights", ones(Classes));
    }

    public override ModelOutput Forward(IReadOnlyList<Tensor> inputs)
    {
        var apex = inputs[0];
        var (generated, maps) = student.Forward(apex);
        Trace("student.generated", generated);
        var features = new List<Tensor> { maps[^1].mean([2, 3]) };
        _scaleLogits.Clear();
        MfvanScale[] scales = [scale0, scale1, scale2];
        for (var s = 0; s < Scales; s++)
        {
            var (classLogits, maskLogits, fused) = scales[s].Forward(s == 0 ? apex : maps[s - 1]);
            if (s > 0)
                Trace($"scale{s}.input", maps[s - 1]);
            features.Add(fused);
            _scaleLogits.Add(classLogits);
            _scaleLogits.Add(maskLogits);
        }
        var joined = cat(features, 1);
        Trace("features", joined);
        var logits = fc2.forward(dropout.forward(F.relu(fc1.forward(joined))));
        Trace("logits", logits);
        Tensor? identity = null;
        if (training)
            identity = _identityWeight * IdentityLoss(apex, inputs[1], generated);
        return new ModelOutput(logits, joined, identity);
    }

    /// <summary>The class weights of the focal loss (inverse class frequencies of the training rows once prepared; ones before).</summary>
    public Tensor ClassWeights => get_buffer("class_weights")!;

    /// <summary>Frames the teacher's pretraining stage reconstructed per epoch (0 before it ran, or without the stage).</summary>
    public long TeacherFrames { get; private set; }

    /// <summary>
    /// Sets the focal loss's class weights to the inverse class frequencies of <paramref name="rows"/>, then pretrains the
    /// teacher on every frame of their clips (input <c>frames</c>), <c>teacher_pretrain_epochs</c> epochs of shuffled
    /// batches at <c>teacher_learning_rate</c>.
    /// </summary>
    public override void Prepare(TrainingRows rows)
    {
        using (no_grad())
        using (NewDisposeScope())
        {
            var counts = bincount(rows.Labels, minlength: Classes).to(float64);
            var inverse = counts.clamp_min(1).reciprocal() * ((double)rows.Labels.shape[0] / Classes) * (counts > 0).to(float64);
            ClassWeights.copy_(inverse.to(ClassWeights.dtype, ClassWeights.device));
        }
        if (_teacherPretrainEpochs == 0)
            return;
        var source = rows.Inputs[2];
        var frames = source.reshape(source.shape[0] * _frames, 3, source.shape[2], source.shape[3]);
        TeacherFrames = frames.shape[0];
        var parameters = teacher.parameters().ToList();
        using var optimizer = optim.Adam(parameters, lr: _teacherLearningRate);
        teacher.train();
        for (var epoch = 0; epoch < _teacherPretrainEpochs; epoch++)
        {
            using var order = randperm(frames.shape[0], generator: rows.Random);
            for (long begin = 0; begin < frames.shape[0]; begin += rows.BatchSize)
            {
                rows.Cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = frames.index_select(0, order.narrow(0, begin, Math.Min(rows.BatchSize, frames.shape[0] - begin))).to(rows.Device);
                optimizer.zero_grad();
                F.mse_loss(teacher.forward(batch), batch).backward();
                optimizer.step();
            }
        }
    }

    /// <summary>Focal loss of the fused prediction, plus each scale's class-token focal loss and its masked-patch focal
    /// loss times <c>mask_weight</c>, plus the auxiliary (identity) loss.</summary>
    public override Tensor Loss(ModelOutput output, Tensor labels, Tensor? weights)
    {
        var alpha = ClassWeights.index_select(0, labels);
        var total = FocalLoss(output.Logits, labels, alpha, weights, _focalGamma);
        for (var i = 0; i < _scaleLogits.Count; i += 2)
            total = total + FocalLoss(_scaleLogits[i], labels, alpha, weights, _focalGamma)
                + _maskWeight * FocalLoss(_scaleLogits[i + 1], labels, alpha, weights, _focalGamma);
        if (output.AuxiliaryLoss is not null)
            total = total + output.AuxiliaryLoss;
        return total;
    }

    /// <summary>-alpha_t (1 - p_t)^gamma log p_t per sample, averaged (weighted by the per-sample weights when given).</summary>
    public static Tensor FocalLoss(Tensor logits, Tensor labels, Tensor alpha, Tensor? weights, double gamma)
    {
        var logP = F.log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
        var perSample = -alpha * (1 - logP.exp()).pow(gamma) * logP;
        return weights is null ? perSample.mean() : (perSample * weights).sum() / weights.sum().clamp_min(1e-12);
    }

    private Tensor IdentityLoss(Tensor apex, Tensor onset, Tensor generated)
    {
        var taught = teacher.Forward(apex).Generated;
        return F.mse_loss(taught, onset) + F.mse_loss(generated, onset) + F.mse_loss(generated, taught.detach());
    }
}

/// <summary>relu(x + conv2(relu(conv1(x)))), 3x3 convolutions keeping the channels.</summary>
public sealed class MfvanResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1, conv2;

    public MfvanResidualBlock(long channels) : base("residual")
    {
        conv1 = MfvanAutoencoder.Conv(channels, channels, 3, 1);
        conv2 = MfvanAutoencoder.Conv(channels, channels, 3, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => F.relu(x + conv2.forward(F.relu(conv1.forward(x))));
}

/// <summary>An image-to-image autoencoder; <c>blocks</c> residual blocks per stage (0: the shallow student).</summary>
public sealed class MfvanAutoencoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d stem, @out;
    private readonly Sequential down0, down1, down2;
    private readonly ConvTranspose2d up0, up1, up2;

    public MfvanAutoencoder(long width, long blocks) : base("autoencoder")
    {
        stem = Conv(3, width, 3, 1);
        var channels = width;
        Sequential Stage()
        {
            var layers = new List<nn.Module<Tensor, Tensor>> { Conv(channels, 2 * channels, 3, 2), nn.BatchNorm2d(2 * channels), nn.ReLU() };
            for (var b = 0; b < blocks; b++)
                layers.Add(new MfvanResidualBlock(2 * channels));
            channels *= 2;
            return nn.Sequential(layers.ToArray());
        }
        down0 = Stage();
        down1 = Stage();
        down2 = Stage();
        ConvTranspose2d Up()
        {
            var up = nn.ConvTranspose2d(channels, channels / 2, 4, stride: 2, padding: 1);
            channels /= 2;
            return up;
        }
        up0 = Up();
        up1 = Up();
        up2 = Up();
        @out = Conv(channels, 3, 3, 1);
        RegisterComponents();
    }

    internal static Conv2d Conv(long input, long output, long kernel, long stride) =>
        nn.Conv2d(input, output, kernel, stride: stride, padding: kernel / 2);

    public override Tensor forward(Tensor image) => Forward(image).Generated;

    /// <summary>The generated image and the encoder's maps at 1/2, 1/4 and 1/8 of the input.</summary>
    public (Tensor Generated, Tensor[] Maps) Forward(Tensor image)
    {
        var x = F.relu(stem.forward(image));
        var maps = new Tensor[3];
        Sequential[] down = [down0, down1, down2];
        for (var s = 0; s < 3; s++)
            maps[s] = x = down[s].forward(x);
        foreach (var up in new[] { up0, up1, up2 })
            x = F.relu(up.forward(x));
        return (sigmoid(@out.forward(x)), maps);
    }
}

/// <summary>One scale of the multi-scale ViT: embedding, class token, layers, class-token attention mask, MLP fusion.</summary>
public sealed class MfvanScale : nn.Module
{
    private readonly double _threshold;
    private readonly PatchEmbed embed;
    private readonly Parameter cls_token, positions;
    private readonly ModuleList<Block> blocks;
    private readonly LayerNorm norm;
    private readonly Linear mlp, class_head, mask_head;

    public MfvanScale(long inChannels, long patch, long tokens, BlockOptions block, long depth, long classes, double threshold)
        : base("scale")
    {
        _threshold = threshold;
        embed = new PatchEmbed(inChannels, block.Dim, patch);
        cls_token = new Parameter(randn(1, 1, block.Dim) * 0.02);
        positions = new Parameter(randn(1, tokens + 1, block.Dim) * 0.02);
        blocks = nn.ModuleList(Enumerable.Range(0, (int)depth).Select(_ => new Block(block)).ToArray());
        norm = nn.LayerNorm([block.Dim], block.NormEps);
        mlp = nn.Linear(block.Dim, block.Dim);
        class_head = nn.Linear(block.Dim, classes);
        mask_head = nn.Linear(block.Dim, classes);
        RegisterComponents();
    }

    /// <summary>input [N, C, H, W] -> the class token's logits, the masked patches' logits and their fused feature [N, D].</summary>
    public (Tensor ClassLogits, Tensor MaskLogits, Tensor Fused) Forward(Tensor input)
    {
        var patches = embed.forward(input);
        var x = cat([cls_token.expand(input.shape[0], 1, cls_token.shape[2]), patches], 1) + positions;
        Tensor? attention = null;
        foreach (var block in blocks)
            x = block.Forward(x, out attention);
        x = norm.forward(x);
        var n = patches.shape[1];
        // The class token's attention to the patches, renormalised over the patches (the softmax also covers the class
        // token itself, so unrenormalised a uniform row sits below 1 and nothing would be kept): 1 = uniform, and the
        // most attended patch is always kept when the threshold is at most 1.
        var toPatches = attention!.mean([1]).select(1, 0)[.., 1..];
        var weights = toPatches / toPatches.sum(1, keepdim: true) * (double)n; // [N, n]
        var keep = weights.ge(_threshold).to(x.dtype).detach();
        var kept = (x[.., 1..] * keep.unsqueeze(-1)).sum(1) / keep.sum(1, keepdim: true).clamp_min(1);
        var fused = F.gelu(mlp.forward(kept));
        return (class_head.forward(x.select(1, 0)), mask_head.forward(fused), fused);
    }
}
