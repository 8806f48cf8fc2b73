using MerCluster.Training.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Models;

/// <summary>
/// FRL-DGT (Zhai et al., CVPR 2023; seed 001): a displacement generation module (DGM) turns the aligned onset/apex pair
/// into a 2-channel displacement; onset, apex and displacement are cropped into the 9 AU regions and the full face, and
/// a transformer fusion (local modules per AU region, a global module over them, a full-face module) with the paper's
/// fusion layer (eqs. 5-7) classifies. Settings: configs/models/frl_dgt.yaml.
/// <para>
/// Readings of the paper where it leaves a detail open (as version 1, whose module paths are the tensor names):
/// the DGM is a U-Net-like encoder-decoder of conv-BN-ReLU blocks (3 downsamplings) whose output each sample divides by
/// its own largest absolute value (section 3.1: displacements normalised before output, to [-1, 1], raising minor
/// expressions and lowering major ones) and multiplies by <c>displacement_scale</c> (alpha), in grid_sample's
/// normalised coordinates; the approximate apex samples the onset at x + D. In training the DGM loss (eqs. 1-4: rec L1
/// + norm mean|D| + smooth mean|dD/dx| + mean|dD/dy|) of the onset->apex pair, the reversed pair and, with
/// <c>frame_pairs</c> K &gt; 0, K pairs per sample drawn afresh at every step from input <c>frames</c> (the clip's
/// <c>frames</c> F frames spread over onset..offset) with the trainer's generator, so every epoch sees other pairs
/// (section 3.1's self-supervision on sampled image pairs), is the auxiliary loss. With <c>apex_jitter</c>, each
/// training sample's apex is, with equal chances, the apex or the frame just before or after it (input
/// <c>apex_neighbours</c>; section 3.3). The classification gradient reaching the DGM is scaled by
/// <c>dgm_gradient_scale</c>. The DGM is its own parameter group at the constant rate <c>dgm_learning_rate</c>, the
/// transformer fusion the other, at <c>fusion_learning_rate</c> on the train section's schedule (the paper gives its
/// optimiser and schedule, not its rate).
/// </para>
/// <para>
/// AU regions: input <c>au_boxes</c> carries each sample's 9 boxes (x, y, width, height as fractions of the aligned
/// face); onset, apex and displacement are cropped at them by one affine grid sample (bilinear, border replicated),
/// each region resampled to <c>region_size</c>. Each module is <c>depth</c> pre-norm transformer layers over its patch
/// (or region) tokens with learned positions and no class token, then the fusion layer; the head is FC-ReLU-dropout-FC
/// over [global, full face].
/// </para>
/// </summary>
[Model("frl_dgt", "FRL-DGT: displacement generation from onset/apex + transformer fusion over 9 AU regions and the full face (seed 001)")]
public sealed class FrlDgt : RecognitionModel
{
    private const int Regions = 9;  // in the vision core's order (mer_vision.h, mer_au_boxes)
    private const long StackChannels = 3 + 3 + 2;  // onset, apex, displacement

    private readonly int _imageSize, _regionSize, _framePairs, _frames, _framesInput, _neighboursInput;
    private readonly double _displacementScale, _recWeight, _normWeight, _smoothWeight, _dgmGradientScale, _dgmLearningRate,
        _fusionLearningRate;

    private readonly DisplacementGenerator dgm;
    private readonly RegionModule local1, local2, local3, local4, local5, local6, local7, local8, local9;
    // Not "global": module names become attribute names in the checkpoint archive, and that one is a Python keyword.
    private readonly FusionModule global_fusion;
    private readonly RegionModule full_face;
    private readonly Linear fc1, fc2;
    private readonly SeededDropout dropout;

    public override IReadOnlyList<InputSpec> Inputs { get; }

    public override int Classes { get; }

    public FrlDgt(ModelSettings settings) : base("frl_dgt")
    {
        Classes = settings.Integer("classes", 3, 2, 1000);
        _imageSize = settings.Integer("image_size", 224, 16, 4096);
        if (_imageSize % 8 != 0)
            throw settings.Invalid("key 'image_size' must be a multiple of 8 (the DGM halves it 3 times)");
        _regionSize = settings.Integer("region_size", 90, 4, 1024);
        var patch = settings.Integer("patch", 18, 1, 1024);
        if (_regionSize % patch != 0)
            throw settings.Invalid("key 'region_size' must be a multiple of key 'patch'");
        var dim = settings.Integer("dim", 256, 8, 4096);
        var heads = settings.Integer("heads", 8, 1, 64);
        if (dim % heads != 0)
            throw settings.Invalid("key 'dim' must be a multiple of key 'heads'");
        var mlpDim = settings.Integer("mlp_dim", 512, 8, 16384);
        var transformerDropout = settings.Number("transformer_dropout", 0.1, 0, 1);
        var depth = settings.Integer("depth", 2, 1, 24);
        var headHidden = settings.Integer("head_hidden", 256, 1, 16384);
        var dropoutRate = settings.Number("dropout", 0.5, 0, 1);
        var dgmWidth = settings.Integer("dgm_width", 32, 4, 512);
        _displacementScale = settings.Number("displacement_scale", 0.2, 1e-6, 2);
        _recWeight = settings.Number("rec_weight", 10, 0, 1e6);
        _normWeight = settings.Number("norm_weight", 1, 0, 1e6);
        _smoothWeight = settings.Number("smooth_weight", 0.2, 0, 1e6);
        _dgmGradientScale = settings.Number("dgm_gradient_scale", 1e-6, 0, 1);
        _dgmLearningRate = settings.Number("dgm_learning_rate", 0.002, 0, 10);
        _fusionLearningRate = settings.Number("fusion_learning_rate", 1e-4, 0, 10);
        _framePairs = settings.Integer("frame_pairs", 0, 0, 64);
        _frames = settings.Integer("frames", 8, 1, 256);
        var apexJitter = settings.Boolean("apex_jitter", false);

        List<InputSpec> inputs =
        [
            new("onset", "aligned onset frame, BGR", [3, _imageSize, _imageSize]),
            new("apex", "aligned apex frame, BGR", [3, _imageSize, _imageSize]),
            new("au_boxes", "the 9 AU boxes (x, y, width, height) as fractions of the aligned face", [1, Regions, 4], Boxes: true),
        ];
        _framesInput = _neighboursInput = -1;
        if (_framePairs > 0)
        {
            _framesInput = inputs.Count;
            inputs.Add(new("frames", "aligned frames spread over onset..offset, BGR, the DGM's self-supervision pairs are drawn from (training only)",
                [3L * _frames, _imageSize, _imageSize]));
        }
        if (apexJitter)
        {
            _neighboursInput = inputs.Count;
            inputs.Add(new("apex_neighbours", "the aligned frames just before and after the apex, BGR (training only: apex jitter)",
                [6, _imageSize, _imageSize]));
        }
        Inputs = inputs;

        var block = new BlockOptions(Dim: dim, Heads: heads, MlpDim: mlpDim, Dropout: transformerDropout);
        dgm = new DisplacementGenerator(dgmWidth, _displacementScale);
        RegionModule Local() => new(block, depth, _regionSize, patch);
        (local1, local2, local3, local4, local5, local6, local7, local8, local9) =
            (Local(), Local(), Local(), Local(), Local(), Local(), Local(), Local(), Local());
        global_fusion = new FusionModule(block, depth, Regions);
        full_face = new RegionModule(block, depth, _regionSize, patch);
        fc1 = nn.Linear(2 * dim, headHidden);
        dropout = new SeededDropout(dropoutRate);
        fc2 = nn.Linear(headHidden, Classes);
        RegisterComponents();
    }

    private RegionModule[] Locals => [local1, local2, local3, local4, local5, local6, local7, local8, local9];

    /// <summary>The DGM at its own constant rate, the transformer fusion at <c>fusion_learning_rate</c> on the train section's schedule.</summary>
    public override IReadOnlyList<ParameterGroup> ParameterGroups() =>
    [
        new ParameterGroup("dgm", dgm.parameters().ToList(), _dgmLearningRate, null, Scheduled: false),
        new ParameterGroup("fusion", named_parameters().Where(p => !p.name.StartsWith("dgm.", StringComparison.Ordinal)).Select(p => p.parameter).ToList(),
            _fusionLearningRate),
    ];

    /// <summary>The DGM's displacement from <paramref name="onset"/> to <paramref name="apex"/>, [N, 2, H, W]: each sample's largest |D| is <c>displacement_scale</c>.</summary>
    public Tensor Displacement(Tensor onset, Tensor apex) => dgm.forward(onset, apex);

    /// <summary>The frame positions (first, second) of the self-supervision pairs of the last training pass, K per sample, sample by sample.</summary>
    public IReadOnlyList<(int First, int Second)> LastPairs { get; private set; } = [];

    /// <summary>
    /// K pairs per sample of different frames (when there are two) of <paramref name="frames"/> [N, 3F, H, W], drawn with
    /// <see cref="RecognitionModel.Random"/>: [N K, 3, H, W] first frames and second frames.
    /// </summary>
    private (Tensor First, Tensor Second) DrawPairs(Tensor frames)
    {
        long n = frames.shape[0], f = _frames;
        var device = frames.device;
        var first = (rand([n, _framePairs], generator: Random, device: device) * f).floor().to(int64).clamp_max(f - 1);
        var second = f < 2 ? first : (first + 1 + (rand([n, _framePairs], generator: Random, device: device) * (f - 1)).floor().to(int64).clamp_max(f - 2)) % f;
        var positions = stack([first, second], 2).cpu().data<long>().ToArray();
        LastPairs = Enumerable.Range(0, positions.Length / 2).Select(i => ((int)positions[2 * i], (int)positions[2 * i + 1])).ToList();
        var offsets = (arange(n, device: device) * f).unsqueeze(1);
        var all = frames.reshape(n * f, 3, frames.shape[2], frames.shape[3]);
        return (all.index_select(0, (first + offsets).flatten()), all.index_select(0, (second + offsets).flatten()));
    }

    /// <summary>Each sample's apex or, with equal chances, the frame before or after it (<paramref name="neighbours"/> [N, 6, H, W]), drawn with <see cref="RecognitionModel.Random"/>.</summary>
    public Tensor JitterApex(Tensor apex, Tensor neighbours)
    {
        long n = apex.shape[0];
        var candidates = stack([apex, neighbours.narrow(1, 0, 3), neighbours.narrow(1, 3, 3)], 1);  // [N, 3, 3, H, W]
        var choice = (rand([n], generator: Random, device: apex.device) * 3).floor().to(int64).clamp_max(2);
        return candidates.reshape(n * 3, 3, apex.shape[2], apex.shape[3]).index_select(0, arange(n, device: apex.device) * 3 + choice);
    }

    public override ModelOutput Forward(IReadOnlyList<Tensor> inputs)
    {
        var onset = inputs[0];
        var apex = training && _neighboursInput >= 0 ? JitterApex(inputs[1], inputs[_neighboursInput]) : inputs[1];
        long n = onset.shape[0], r = _regionSize;
        var d = dgm.forward(onset, apex);
        Trace("displacement", d);
        var scaled = d.detach() + _dgmGradientScale * (d - d.detach());
        var stacked = cat([onset, apex, scaled], 1);

        // Every sample's 9 boxes as one grid of 9 stacked r x r blocks, so one grid_sample crops all regions of the batch.
        var b = inputs[2].reshape(n, Regions, 4);
        Tensor x = b.select(2, 0), y = b.select(2, 1), w = b.select(2, 2), h = b.select(2, 3), zero = zeros_like(x);
        var theta = stack([w, zero, 2 * x + w - 1, zero, h, 2 * y + h - 1], 2).reshape(n * Regions, 2, 3);
        var grid = F.affine_grid(theta, [n * Regions, StackChannels, r, r], align_corners: false).reshape(n, Regions * r, r, 2);
        var crops = F.grid_sample(stacked, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        var locals = new List<Tensor>(Regions);
        var modules = Locals;
        for (var k = 0; k < Regions; k++)
        {
            var crop = crops.narrow(2, k * r, r);
            if (k == 0)
                Trace("region", crop);
            locals.Add(modules[k].forward(crop));
        }
        Trace("local", locals[0]);
        var global = global_fusion.forward(stack(locals, 1));
        Trace("global", global);
        var face = full_face.forward(F.interpolate(stacked, [r, r], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true));
        Trace("full_face", face);
        var features = cat([global, face], 1);
        var hidden = dropout.forward(F.relu(fc1.forward(features)));
        Trace("fc1", hidden);
        var logits = fc2.forward(hidden);
        Trace("fc2", logits);

        Tensor? dgmLoss = null;
        if (training)
        {
            var reverse = dgm.forward(apex, onset);
            dgmLoss = DisplacementLoss(onset, apex, d) + DisplacementLoss(apex, onset, reverse);
            if (_framePairs > 0)
            {
                var (first, second) = DrawPairs(inputs[_framesInput]);
                dgmLoss = dgmLoss + DisplacementLoss(first, second, dgm.forward(first, second));
            }
        }
        return new ModelOutput(logits, features, dgmLoss);
    }

    /// <summary>The approximate apex G_s(onset, D): <paramref name="image"/> sampled at x + D(x) (bilinear, border replicated).</summary>
    public static Tensor Warp(Tensor image, Tensor displacement)
    {
        long n = image.shape[0], height = image.shape[2], width = image.shape[3];
        var identity = tensor(new float[] { 1, 0, 0, 0, 1, 0 }, device: image.device).to(image.dtype).reshape(1, 2, 3).expand(n, 2, 3);
        var grid = F.affine_grid(identity, [n, 1, height, width], align_corners: false) + displacement.permute(0, 2, 3, 1);
        return F.grid_sample(image, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
    }

    // eqs. 1-4 with the paper's weights.
    private Tensor DisplacementLoss(Tensor from, Tensor to, Tensor d)
    {
        long height = d.shape[2], width = d.shape[3];
        var reconstruction = (Warp(from, d) - to).abs().mean();
        var norm = d.abs().mean();
        var smooth = (d.narrow(3, 1, width - 1) - d.narrow(3, 0, width - 1)).abs().mean() +
                     (d.narrow(2, 1, height - 1) - d.narrow(2, 0, height - 1)).abs().mean();
        return _recWeight * reconstruction + _normWeight * norm + _smoothWeight * smooth;
    }


    private sealed class ConvBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv;
        private readonly BatchNorm2d norm;

        public ConvBlock(long inChannels, long outChannels, long stride) : base("conv_block")
        {
            conv = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
            norm = nn.BatchNorm2d(outChannels);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => F.relu(norm.forward(conv.forward(x)));
    }

    /// <summary>(onset, apex) -> [N, 2, H, W], x then y, in grid_sample's normalised coordinates: each sample scaled so its largest |D| is the scale.</summary>
    private sealed class DisplacementGenerator : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly double _scale;
        private readonly ConvBlock down0, down1, down2, down3, up2, up1, up0;
        private readonly Conv2d @out;

        public DisplacementGenerator(long width, double scale) : base("dgm")
        {
            _scale = scale;
            long[] w = [width, 2 * width, 4 * width, 8 * width];
            down0 = new ConvBlock(6, w[0], 1);
            down1 = new ConvBlock(w[0], w[1], 2);
            down2 = new ConvBlock(w[1], w[2], 2);
            down3 = new ConvBlock(w[2], w[3], 2);
            up2 = new ConvBlock(w[3] + w[2], w[2], 1);
            up1 = new ConvBlock(w[2] + w[1], w[1], 1);
            up0 = new ConvBlock(w[1] + w[0], w[0], 1);
            @out = nn.Conv2d(w[0], 2, 3, padding: 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor onset, Tensor apex)
        {
            var skips = new List<Tensor>();
            var x = cat([onset, apex], 1);
            foreach (var block in new[] { down0, down1, down2, down3 })
            {
                x = block.forward(x);
                skips.Add(x);
            }
            var ups = new[] { up2, up1, up0 };
            for (var i = 0; i < ups.Length; i++)
            {
                var skip = skips[skips.Count - 2 - i];
                x = F.interpolate(x, [skip.shape[2], skip.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
                x = ups[i].forward(cat([x, skip], 1));
            }
            var d = @out.forward(x);
            return d / d.abs().amax([1, 2, 3], keepdim: true).clamp_min(1e-12) * _scale;
        }
    }

    /// <summary>eqs. 5-7: per head, a learned mix of the n queries (initialised to their mean), scores Lin(Q) K^T, batch
    /// norm (one channel per head), softmax over the tokens, weighted sum of the values; heads concatenated.</summary>
    private sealed class FusionLayer : nn.Module<Tensor, Tensor>
    {
        private readonly long _heads;
        private readonly Linear qkv, query_mix;
        private readonly BatchNorm1d norm;

        public FusionLayer(long dim, long heads, long tokens) : base("fusion")
        {
            _heads = heads;
            qkv = nn.Linear(dim, 3 * dim);
            query_mix = nn.Linear(tokens, 1, hasBias: false);
            norm = nn.BatchNorm1d(heads);
            using (no_grad())
                query_mix.weight.fill_(1.0 / tokens);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)  // [N, n, C] -> [N, C]
        {
            long n = x.shape[0], t = x.shape[1], d = x.shape[2];
            var parts = qkv.forward(x).reshape(n, t, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4);  // [3, N, h, n, c]
            var query = query_mix.forward(parts[0].transpose(2, 3)).squeeze(-1);                        // [N, h, c]
            var scores = matmul(query.unsqueeze(2), parts[1].transpose(2, 3)).squeeze(2);             // [N, h, n]
            var weights = softmax(norm.forward(scores), -1);
            return matmul(weights.unsqueeze(2), parts[2]).squeeze(2).reshape(n, d);
        }
    }

    /// <summary>Attn block (transformer layers over the tokens, learned positions) then the fusion layer.</summary>
    private sealed class FusionModule : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter positions;
        private readonly ModuleList<Block> blocks;
        private readonly LayerNorm norm;
        private readonly FusionLayer fusion;

        public FusionModule(BlockOptions block, long depth, long tokens) : base("fusion_module")
        {
            positions = new Parameter(randn(1, tokens, block.Dim) * 0.02);
            blocks = nn.ModuleList(Enumerable.Range(0, (int)depth).Select(_ => new Block(block)).ToArray());
            norm = nn.LayerNorm([block.Dim], block.NormEps);
            fusion = new FusionLayer(block.Dim, block.Heads, tokens);
            RegisterComponents();
        }

        public override Tensor forward(Tensor tokens)
        {
            var x = tokens + positions;
            foreach (var block in blocks)
                x = block.forward(x);
            return fusion.forward(norm.forward(x));
        }
    }

    /// <summary>A region's patches as tokens, then its fusion module.</summary>
    private sealed class RegionModule : nn.Module<Tensor, Tensor>
    {
        private readonly PatchEmbed embed;
        private readonly FusionModule module;

        public RegionModule(BlockOptions block, long depth, long region, long patch) : base("region_module")
        {
            embed = new PatchEmbed(StackChannels, block.Dim, patch);
            var side = region / patch;
            module = new FusionModule(block, depth, side * side);
            RegisterComponents();
        }

        public override Tensor forward(Tensor crop) => module.forward(embed.forward(crop));
    }
}
