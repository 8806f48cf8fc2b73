using MerCluster.Training.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Models;

/// <summary>
/// MobileViT-SVM (seed 004): MobileViT (Mehta and Rastegari, 2021; variants XXS, XS, S with the layer widths of its
/// Table 4 and Apple's ml-cvnets configs) on the grayscale, eye-masked 256x256 apex, with the seed's L2 penalty on the
/// convolutional and fully connected layers and dropout before the classifier. Settings: configs/models/mobilevit_svm.yaml.
/// <para>
/// The seed's two extra stages live outside the network: pretraining on macro-expressions is an ordinary training run of
/// this model on a macro-expression feature set (configs/models/mobilevit_svm-macro.yaml), whose checkpoint
/// the fine-tuning names as its <c>weights</c> (every layer starts from it; the classifier too when its classes are the
/// same); the SVM
/// (<c>classifier: svm</c>, <c>svm_kernel</c>, <c>svm_c</c>, <c>svm_gamma</c>) is fitted on the penultimate features (the
/// pooled 1x1-expanded map, before dropout) after fine-tuning, so the model only reads and validates these keys.
/// </para>
/// <para>
/// The seed's one weight regulariser is <c>l2</c>: Keras' kernel_regularizer l2(l2) (the seed used Keras 2.2.4, whose
/// optimizers have no weight decay, so its "L2 regularization at 0.2" on the convolutional and fully connected layers and
/// its "weight decay" grid 1e-4..0.1 tune the same term), the sum of squared weights of every convolution and linear
/// layer (transformer projections included, biases and norms not) times <c>l2</c>, added to the loss while training.
/// The trainer therefore refuses a non-zero <c>train.weight_decay</c> beside it (<see cref="WeightPenaltySetting"/>).
/// </para>
/// <para>
/// Fine-tuning from the macro stage (<c>macro_pretraining: true</c> requires <c>weights</c>) starts with the transferred
/// MobileNetV2 part frozen and unfreezes it gradually (seed, Section 3.2): with <c>unfreeze_every</c> E &gt; 0, the five
/// MobileNetV2 stages (the MV2 block opening layer 5, layer 4 and layer 3, then layer 2, then the stem with layer 1) take
/// no gradient until epochs E, 2E, 3E, 4E, 5E in turn, deepest first.
/// </para>
/// </summary>
[Model("mobilevit_svm", "MobileViT (XXS/XS/S) on the grayscale eye-masked apex with L2 0.2 and dropout 0.5; SVM or softmax head (seed 004)")]
public sealed class MobileVit : RecognitionModel
{
    private const long Patch = 2;   // h = w = 2 at every level (seed, Section 3.3)
    private const long Heads = 4;

    private readonly ConvLayer stem;
    private readonly Sequential layer1, layer2, layer3, layer4, layer5;
    private readonly ConvLayer expand;
    private readonly SeededDropout dropout;
    private readonly Linear classifier;
    private readonly double _l2;
    private readonly int _unfreezeEvery;

    public override IReadOnlyList<InputSpec> Inputs { get; }

    public override int Classes { get; }

    public override SvmOptions? Svm { get; }

    public override string WeightPenaltySetting => "l2";

    /// <summary>The classifier: starting weights of other classes (a macro-expression stage with other classes) leave it as initialised.</summary>
    protected override bool IsClassifier(string tensor) => tensor.StartsWith("classifier.", StringComparison.Ordinal);

    public MobileVit(ModelSettings settings) : base("mobilevit_svm")
    {
        Classes = settings.Integer("classes", 3, 2, 1000);
        var variantName = settings.Choice("variant", "s", "xxs", "xs", "s");
        var imageSize = settings.Integer("image_size", 256, 64, 4096);
        if (imageSize % 64 != 0)
            throw settings.Invalid("key 'image_size' must be a multiple of 64 (the last " +
                                                                 $"map, size/32, is cut into 2x2 patches), got {imageSize}");
        var dropoutRate = settings.Number("dropout", 0.5, 0, 1);
        var transformerDropout = settings.Number("transformer_dropout", 0.1, 0, 1);
        _l2 = settings.Number("l2", 0.2, 0, 100);
        var head = settings.Choice("classifier", "svm", "svm", "softmax");
        var kernel = settings.Choice("svm_kernel", "rbf", "linear", "rbf") == "linear" ? SvmKernel.Linear : SvmKernel.Rbf;
        var c = settings.Number("svm_c", 1.0, 1e-6, 1e6);
        var gamma = settings.Number("svm_gamma", 0, 0, 1e6);
        Svm = head == "svm" ? new SvmOptions(kernel, c, gamma) : null;
        var weights = settings.Text(WeightsFile.Setting, "");
        if (settings.Boolean("macro_pretraining", false) && weights.Length == 0)
            throw settings.Invalid("key 'macro_pretraining' is true (seed 004 fine-tunes the network of its macro-expression stage) but 'weights' " +
                                   "is empty: train that stage (mer train --model mobilevit_svm --config configs/models/mobilevit_svm-macro.yaml " +
                                   "--features MACRO-FEATURES --holdout none --checkpoint macro.ckpt) and set 'weights' to its checkpoint, or set macro_pretraining: false");
        _unfreezeEvery = settings.Integer("unfreeze_every", 0, 0, 1_000_000);
        if (_unfreezeEvery > 0 && weights.Length == 0)
            throw settings.Invalid($"key 'unfreeze_every' is {_unfreezeEvery}: it freezes transferred blocks, but 'weights' is empty (nothing is transferred)");
        Inputs = [new InputSpec("apex_gray", "grayscale apex, eye line levelled, eyes masked", [1, imageSize, imageSize])];

        var v = Variant.Of(variantName);
        stem = new ConvLayer(1, 16, 3, stride: 2);
        layer1 = nn.Sequential(new InvertedResidual(16, v.Layer1, 1, v.Expand));
        layer2 = nn.Sequential(new InvertedResidual(v.Layer1, v.Layer2, 2, v.Expand),
            new InvertedResidual(v.Layer2, v.Layer2, 1, v.Expand),
            new InvertedResidual(v.Layer2, v.Layer2, 1, v.Expand));
        var vitLayers = new Sequential[3];
        var @in = v.Layer2;
        for (var i = 0; i < 3; i++)
        {
            vitLayers[i] = nn.Sequential(new InvertedResidual(@in, v.Out[i], 2, v.Expand),
                new MobileVitBlock(v.Out[i], v.Dim[i], v.Ffn[i], v.Depth[i], transformerDropout));
            @in = v.Out[i];
        }
        (layer3, layer4, layer5) = (vitLayers[0], vitLayers[1], vitLayers[2]);
        var expanded = Math.Min(4 * @in, 960);
        expand = new ConvLayer(@in, expanded, 1);
        dropout = new SeededDropout(dropoutRate);
        classifier = nn.Linear(expanded, Classes);
        RegisterComponents();
    }

    /// <summary>The transferred MobileNetV2 stages, deepest first, in the order <c>unfreeze_every</c> frees them.</summary>
    private IEnumerable<IEnumerable<Parameter>> MobileNetStages() =>
    [
        ((nn.Module)layer5[0]).parameters(),
        ((nn.Module)layer4[0]).parameters(),
        ((nn.Module)layer3[0]).parameters(),
        layer2.parameters(),
        stem.parameters().Concat(layer1.parameters()),
    ];

    /// <summary>How many MobileNetV2 stages (<see cref="MobileNetStages"/>) still take no gradient in <paramref name="epoch"/> when one is freed every <paramref name="every"/> epochs.</summary>
    public static int FrozenStages(int epoch, int every) => every <= 0 ? 0 : Math.Max(0, 5 - epoch / every);

    public override void BeginEpoch(int epoch)
    {
        var frozen = FrozenStages(epoch, _unfreezeEvery);
        var stages = MobileNetStages().ToList();
        for (var i = 0; i < stages.Count; i++)
            foreach (var parameter in stages[i])
                parameter.requires_grad = i < stages.Count - frozen;
    }

    public override ModelOutput Forward(IReadOnlyList<Tensor> inputs)
    {
        var x = stem.forward(inputs[0]);
        Trace("stem", x);
        x = layer1.forward(x);
        Trace("layer1", x);
        x = layer2.forward(x);
        Trace("layer2", x);
        x = layer3.forward(x);
        Trace("layer3", x);
        x = layer4.forward(x);
        Trace("layer4", x);
        x = layer5.forward(x);
        Trace("layer5", x);
        x = expand.forward(x);
        Trace("expand", x);
        var features = x.mean([2, 3]);
        Trace("pool", features);
        var logits = classifier.forward(dropout.forward(features));
        Trace("classifier", logits);
        Tensor? penalty = null;
        if (training && _l2 > 0)
        {
            // Every convolution and linear weight, in module order (read here rather than kept, so a move to another
            // device, which replaces the parameters, cannot leave a stale list).
            penalty = zeros([], dtype: logits.dtype, device: logits.device);
            foreach (var module in modules())
            {
                if (module is Conv2d conv)
                    penalty = penalty + conv.weight!.pow(2).sum();
                else if (module is Linear linear)
                    penalty = penalty + linear.weight!.pow(2).sum();
            }
            penalty = penalty * _l2;
        }
        return new ModelOutput(logits, features, penalty);
    }

    /// <summary>Expansion of MobileNetV2, the two MV2 widths, then per MobileViT layer (3 to 5): channels, transformer width, feed-forward width, depth.</summary>
    private sealed record Variant(double Expand, long Layer1, long Layer2, long[] Out, long[] Dim, long[] Ffn)
    {
        public long[] Depth { get; } = [2, 4, 3];

        public static Variant Of(string name) => name switch
        {
            "xxs" => new Variant(2, 16, 24, [48, 64, 80], [64, 80, 96], [128, 160, 192]),
            "xs" => new Variant(4, 32, 48, [64, 80, 96], [96, 120, 144], [192, 240, 288]),
            _ => new Variant(4, 32, 64, [96, 128, 160], [144, 192, 240], [288, 384, 480]),
        };
    }

    /// <summary>The MobileViT block: local 3x3 + 1x1 to d, transformers across the 2x2-unfolded patches, 1x1 back, fusion 3x3.</summary>
    private sealed class MobileVitBlock : nn.Module<Tensor, Tensor>
    {
        private readonly ConvLayer local;
        private readonly Conv2d to_dim;
        private readonly ModuleList<Block> transformers;
        private readonly LayerNorm norm;
        private readonly ConvLayer from_dim, fusion;

        public MobileVitBlock(long channels, long dim, long ffn, long depth, double dropoutRate) : base("mobilevit_block")
        {
            local = new ConvLayer(channels, channels, 3);
            to_dim = nn.Conv2d(channels, dim, 1, bias: false);
            var block = new BlockOptions(Dim: dim, Heads: Heads, MlpDim: ffn, Silu: true, NormEps: 1e-5, Dropout: dropoutRate);
            transformers = nn.ModuleList(Enumerable.Range(0, (int)depth).Select(_ => new Block(block)).ToArray());
            norm = nn.LayerNorm([dim]);
            from_dim = new ConvLayer(dim, channels, 1);
            fusion = new ConvLayer(2 * channels, channels, 3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var y = to_dim.forward(local.forward(x));
            long n = y.shape[0], d = y.shape[1], h = y.shape[2] / Patch, w = y.shape[3] / Patch;
            // [N, d, H, W] -> [N * 4, (H/2)(W/2), d]: one sequence per pixel position inside the 2x2 patches.
            var tokens = y.reshape(n, d, h, Patch, w, Patch).permute(0, 3, 5, 2, 4, 1).reshape(n * Patch * Patch, h * w, d);
            foreach (var transformer in transformers)
                tokens = transformer.forward(tokens);
            tokens = norm.forward(tokens);
            y = tokens.reshape(n, Patch, Patch, h, w, d).permute(0, 5, 3, 1, 4, 2).reshape(n, d, h * Patch, w * Patch);
            return fusion.forward(cat([x, from_dim.forward(y)], 1));
        }
    }

    /// <summary>MobileNetV2's inverted residual: 1x1 expand, 3x3 depthwise, 1x1 project; residual when the shape is kept.</summary>
    private sealed class InvertedResidual : nn.Module<Tensor, Tensor>
    {
        private readonly bool _residual;
        private readonly Sequential block;

        public InvertedResidual(long @in, long @out, long stride, double expandRatio) : base("inverted_residual")
        {
            _residual = stride == 1 && @in == @out;
            var hidden = MakeDivisible(@in * expandRatio);
            var parts = new List<(string, nn.Module<Tensor, Tensor>)>();
            if (expandRatio != 1)
                parts.Add(("expand", new ConvLayer(@in, hidden, 1)));
            parts.Add(("depthwise", new ConvLayer(hidden, hidden, 3, stride, hidden)));
            parts.Add(("project", new ConvLayer(hidden, @out, 1, 1, 1, act: false)));
            block = nn.Sequential(parts.ToArray());
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => _residual ? x + block.forward(x) : block.forward(x);
    }

    /// <summary>MobileNet's channel rounding: to the nearest multiple of <paramref name="divisor"/>, not below it nor 10% below the value.</summary>
    private static long MakeDivisible(double value, long divisor = 8)
    {
        var v = Math.Max(divisor, (long)(value + divisor / 2.0) / divisor * divisor);
        return v < 0.9 * value ? v + divisor : v;
    }

    /// <summary>MobileViT's conv layer: convolution (padding kernel/2, no bias), batch norm, then SiLU unless <c>act</c> is false.</summary>
    private sealed class ConvLayer : nn.Module<Tensor, Tensor>
    {
        private readonly bool _act;
        private readonly Conv2d conv;
        private readonly BatchNorm2d norm;

        public ConvLayer(long @in, long @out, long kernel, long stride = 1, long groups = 1, bool act = true) : base("conv_layer")
        {
            _act = act;
            conv = nn.Conv2d(@in, @out, kernel, stride: stride, padding: kernel / 2, groups: groups, bias: false);
            norm = nn.BatchNorm2d(@out);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var y = norm.forward(conv.forward(x));
            return _act ? F.silu(y) : y;
        }
    }
}
