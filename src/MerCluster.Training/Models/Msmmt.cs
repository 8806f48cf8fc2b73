using MerCluster.Training.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Models;

/// <summary>
/// MSMMT (Wang et al., "Multi-scale multi-modal micro-expression recognition algorithm based on transformer"; seed 000):
/// per modality (dynamic image; u, v, strain image) one ViT run over the input at three scales m, m/2, m/4 with 16x16
/// patches; the attention of the first L-1 layers, combined as the paper's equations 12-14 say, weights the patch tokens
/// entering the last layer (eq. 15); the three scales' class tokens are concatenated per modality (eq. 18), both
/// modalities feed FC-ReLU-dropout-FC (eq. 17); the loss is (1 - alpha) x the cross-modal InfoNCE (eqs. 19-20) + alpha x
/// cross-entropy (eq. 21). Settings: configs/models/msmmt.yaml.
/// <para>
/// Readings of the paper where it leaves a detail open: one ViT per modality, shared by its three scales, its position
/// embeddings those of the largest grid, resampled bicubically for the smaller ones; a scale whose side is not a multiple
/// of 16 (m/4 = 56 for m = 224) is resized to the multiple of 16 below it (48: a 3x3 grid); eq. 12 is the head-averaged
/// attention map of each layer with rows renormalised to sum to 1, eq. 13 the maps multiplied through the layers
/// (attention rollout), eq. 14 the mean over rows over the patch tokens divided by its maximum; class tokens are taken
/// after the ViT's final LayerNorm and InfoNCE compares the two modalities' concatenated class tokens by cosine
/// similarity; FC_1's hidden width is <c>head_hidden</c> (512).
/// </para>
/// <para>
/// <c>weights</c>: a safetensors file with timm ViT-B/16 names (head.* ignored), e.g. timm's vit_base_patch16_224
/// model.safetensors; both modalities start from it. Empty: both ViTs train from scratch.
/// </para>
/// </summary>
[Model("msmmt", "MSMMT: multi-scale ViT per modality (dynamic image; u, v, strain) with attention-weighted patches and " +
                "cross-modal InfoNCE + CE (seed 000)")]
public sealed class Msmmt : RecognitionModel
{
    private const long Patch = 16;
    private const int Scales = 3;

    private readonly MultiScaleVit dynamic_image, flow_uvs;
    private readonly Linear fc1, fc2;
    private readonly SeededDropout dropout;
    private readonly double _alpha, _temperature;

    public override IReadOnlyList<InputSpec> Inputs { get; }

    public override int Classes { get; }

    public Msmmt(ModelSettings settings) : base("msmmt")
    {
        Classes = settings.Integer("classes", 3, 2, 1000);
        var imageSize = settings.Integer("image_size", 224, 64, 4096);
        if (imageSize % Patch != 0)
            throw settings.Invalid($"key 'image_size' must be a multiple of 16, got {imageSize}");
        var dim = settings.Integer("dim", 768, 8, 4096);
        var heads = settings.Integer("heads", 12, 1, 64);
        if (dim % heads != 0)
            throw settings.Invalid($"key 'dim' ({dim}) must be a multiple of key 'heads' ({heads})");
        var mlpDim = settings.Integer("mlp_dim", 3072, 8, 16384);
        var depth = settings.Integer("depth", 12, 2, 48);
        var headHidden = settings.Integer("head_hidden", 512, 1, 16384);
        var dropoutRate = settings.Number("dropout", 0.5, 0, 1);
        _alpha = settings.Number("alpha", 0.1, 0, 1);
        _temperature = settings.Number("temperature", 0.07, 1e-4, 100);

        Inputs =
        [
            new InputSpec("dynamic_image", "dynamic image of the clip (approximate rank pooling), RGB", [3, imageSize, imageSize]),
            new InputSpec("flow_uvs", "onset->apex TV-L1 flow u, v and optical strain of the magnified clip", [3, imageSize, imageSize], MotionChannels: true),
        ];
        var vit = new VitOptions(InChannels: 3, Patch: Patch, Grid: imageSize / Patch, Depth: depth)
        {
            Block = new BlockOptions(Dim: dim, Heads: heads, MlpDim: mlpDim),
        };
        dynamic_image = new MultiScaleVit(vit, imageSize);
        flow_uvs = new MultiScaleVit(vit, imageSize);
        fc1 = nn.Linear(2 * Scales * dim, headHidden);
        dropout = new SeededDropout(dropoutRate);
        fc2 = nn.Linear(headHidden, Classes);
        RegisterComponents();
    }

    /// <summary>Starting weights are one timm ViT-B/16 (head.* ignored, pos_embed resampled to the image size) loaded into both modality ViTs.</summary>
    public override void LoadWeights(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        dynamic_image.Vit.Load(tensors, source);
        flow_uvs.Vit.Load(tensors, source);
    }

    public override ModelOutput Forward(IReadOnlyList<Tensor> inputs)
    {
        var dynamic = dynamic_image.Forward(inputs[0], (name, t) => Trace($"dynamic_image.{name}", t));
        var flow = flow_uvs.Forward(inputs[1], (name, t) => Trace($"flow_uvs.{name}", t));
        Trace("dynamic_image.class_tokens", dynamic);
        Trace("flow_uvs.class_tokens", flow);
        var features = cat([dynamic, flow], 1);
        var hidden = dropout.forward(F.relu(fc1.forward(features)));
        Trace("fc1", hidden);
        var logits = fc2.forward(hidden);
        Trace("fc2", logits);
        return new ModelOutput(logits, features);
    }

    /// <summary>Eq. 21; the features are [dynamic image tokens | flow tokens] as <see cref="Forward"/> concatenates them.</summary>
    public override Tensor Loss(ModelOutput output, Tensor labels, Tensor? weights)
    {
        var crossEntropy = base.Loss(new ModelOutput(output.Logits, output.Features), labels, weights);
        var halves = output.Features.chunk(2, 1);
        var a = F.normalize(halves[0], dim: 1);
        var b = F.normalize(halves[1], dim: 1);
        var similarity = matmul(a, b.t()) / _temperature;
        var same = arange(similarity.shape[0], dtype: ScalarType.Int64, device: similarity.device);
        var perSample = (F.cross_entropy(similarity, same, reduction: nn.Reduction.None) +
                         F.cross_entropy(similarity.t(), same, reduction: nn.Reduction.None)) / 2;  // eq. 20
        var contrastive = weights is null ? perSample.mean() : (perSample * weights).sum() / weights.sum().clamp_min(1e-12);
        return (1 - _alpha) * contrastive + _alpha * crossEntropy;
    }

    /// <summary>Eqs. 12-14: per-sample weights in (0, 1] of the patch tokens, from the attention maps [N, heads, T, T] of the first L-1 layers.</summary>
    internal static Tensor PatchWeights(IReadOnlyList<Tensor> maps)
    {
        Tensor? joint = null;
        foreach (var map in maps)
        {
            var g = map.mean([1]);
            g = g / g.sum(-1, keepdim: true);
            joint = joint is null ? g : matmul(g, joint);
        }
        var received = joint!.mean([1])[.., 1..];
        return received / received.max(1, keepdim: true).values.clamp_min(1e-12);
    }

    /// <summary>One modality: the shared ViT over the three scales, class tokens concatenated [N, 3 x dim].</summary>
    private sealed class MultiScaleVit : nn.Module
    {
        private readonly VisionTransformer vit;
        private readonly long[] _sizes;

        public MultiScaleVit(VitOptions options, long imageSize) : base("multi_scale_vit")
        {
            vit = new VisionTransformer(options);
            _sizes = Enumerable.Range(0, Scales).Select(s => (imageSize >> s) / Patch * Patch).ToArray();
            RegisterComponents();
        }

        public VisionTransformer Vit => vit;

        public Tensor Forward(Tensor images, Action<string, Tensor> trace)
        {
            var tokens = new List<Tensor>();
            for (var s = 0; s < Scales; s++)
            {
                var x = images.shape[2] == _sizes[s]
                    ? images
                    : F.interpolate(images, size: [_sizes[s], _sizes[s]], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
                var z = vit.Embed(x);
                var scale = $"scale{s + 1}";
                trace($"{scale}.tokens", z);
                var maps = new List<Tensor>();
                var last = vit.Depth - 1;
                for (var l = 0; l < last; l++)
                {
                    z = vit.BlockAt(l).Forward(z, out var map);
                    maps.Add(map);
                }
                var weights = PatchWeights(maps);
                trace($"{scale}.patch_weights", weights);
                z = cat([z[.., ..1], z[.., 1..] * weights.unsqueeze(-1)], 1);  // eq. 15
                z = vit.Norm(vit.BlockAt(last).forward(z));
                tokens.Add(z.select(1, 0));
            }
            return cat(tokens, 1);
        }
    }
}
