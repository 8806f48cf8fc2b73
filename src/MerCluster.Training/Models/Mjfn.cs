using MerCluster.Training.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Models;

/// <summary>
/// MJFN (Li et al., "Multi-scale joint feature network for micro-expression recognition", CVM 2021; seed 003): an
/// AlexNet-like backbone (Table 1) plus joint feature modules (JFMs) that add a 1x1-convolved earlier layer to conv5,
/// and a fusion of the JFM and backbone predictions. Settings: configs/models/mjfn.yaml.
/// </summary>
/// <remarks>
/// Readings of the paper where it leaves a detail open (those of version 1, ported as they are):
/// - "Layer 2" is taken after MaxPooling_2 (12x12x128), the only point of that layer whose size matches conv5 (eq. 8
///   adds the maps channel-wise at H5 x W5); layers 3 and 4 are the conv outputs after ReLU.
/// - JFMs are added from the 4th layer downwards (Section 4.4): joint_modules = 1 uses conv4, 2 adds conv3, 3 adds layer 2.
/// - Fusion: every branch's softmax is summed into Z (eq. 10); "average" predicts Z/(n+1), "softmax" predicts softmax(Z)
///   (eq. 11). Cross-entropy (eq. 12) on that prediction is cross_entropy(logits) with logits = log(Z/(n+1)) or Z
///   respectively, so the default loss applies unchanged. Without JFMs (the paper's MJFN-BbN ablation) the backbone's
///   FC_3 output is the prediction.
/// - Dropout follows the ReLU of every hidden fully connected layer (backbone FC_1, FC_2 and each JFM's FC).
/// - Penultimate features: backbone FC_2 output concatenated with each JFM's hidden FC output.
/// </remarks>
[Model("mjfn", "MJFN: AlexNet-like backbone with joint feature modules over a 224x224 flow image (seed 003, Table 1)")]
public sealed class Mjfn : RecognitionModel
{
    private const long Width = 128;              // channels of conv2..conv5 and of every JFM
    private const long Hidden = 256;             // FC_1, FC_2 and the JFM's fully connected layer
    private const long Pooled = Width * 5 * 5;

    private readonly Conv2d conv1, conv2, conv3, conv4, conv5;
    private readonly MaxPool2d pool;
    private readonly Linear fc1, fc2, fc3;
    private readonly SeededDropout dropout;
    private readonly List<(int Layer, JointFeatureModule Module)> _jfms = [];
    private readonly bool _softmaxFusion;

    public override IReadOnlyList<InputSpec> Inputs { get; } =
        [new InputSpec("flow_image", "TV-L1 flow as a Middlebury colour image, 224x224 RGB", [3, 224, 224])];

    public override int Classes { get; }

    public Mjfn(ModelSettings settings) : base("mjfn")
    {
        Classes = settings.Integer("classes", 3, 2, 1000);
        var p = settings.Number("dropout", 0.5, 0, 1);
        var jointModules = settings.Integer("joint_modules", 3, 0, 3);
        _softmaxFusion = settings.Choice("fusion", "softmax", "softmax", "average") == "softmax";

        conv1 = nn.Conv2d(3, 48, 11, stride: 4);
        conv2 = nn.Conv2d(48, Width, 5, padding: 2);
        conv3 = nn.Conv2d(Width, Width, 3, padding: 1);
        conv4 = nn.Conv2d(Width, Width, 3, padding: 1);
        conv5 = nn.Conv2d(Width, Width, 3, padding: 1);
        pool = Pool();
        fc1 = nn.Linear(Pooled, Hidden);
        fc2 = nn.Linear(Hidden, Hidden);
        fc3 = nn.Linear(Hidden, Classes);
        dropout = new SeededDropout(p);
        RegisterComponents();
        // jfm4, jfm3, jfm2 after the backbone, as version 1 registered them.
        for (var layer = 4; layer > 4 - jointModules; layer--)
        {
            var jfm = new JointFeatureModule(Classes, p);
            register_module($"jfm{layer}", jfm);
            _jfms.Add((layer, jfm));
        }
    }

    private static MaxPool2d Pool() => nn.MaxPool2d(3, 2);

    public override ModelOutput Forward(IReadOnlyList<Tensor> inputs)
    {
        var c1 = F.relu(conv1.forward(inputs[0]));
        Trace("conv1", c1);
        var p1 = pool.forward(c1);
        Trace("pool1", p1);
        var c2 = F.relu(conv2.forward(p1));
        Trace("conv2", c2);
        var p2 = pool.forward(c2);
        Trace("pool2", p2);
        var c3 = F.relu(conv3.forward(p2));
        Trace("conv3", c3);
        var c4 = F.relu(conv4.forward(c3));
        Trace("conv4", c4);
        var c5 = F.relu(conv5.forward(c4));
        Trace("conv5", c5);
        var p3 = pool.forward(c5);
        Trace("pool3", p3);
        var h1 = dropout.forward(F.relu(fc1.forward(p3.flatten(1))));
        Trace("fc1", h1);
        var h2 = dropout.forward(F.relu(fc2.forward(h1)));
        Trace("fc2", h2);
        var backbone = fc3.forward(h2);
        Trace("fc3", backbone);

        var features = new List<Tensor> { h2 };
        var z = softmax(backbone, 1);
        foreach (var (layer, jfm) in _jfms)
        {
            var source = layer switch { 4 => c4, 3 => c3, _ => p2 };
            var (joint, hidden, logits) = jfm.Forward(source, c5);
            Trace($"jfm{layer}", joint);
            features.Add(hidden);
            z = z + softmax(logits, 1);
        }
        var fused = _jfms.Count == 0 ? backbone
            : _softmaxFusion ? z
            : log((z / (double)(_jfms.Count + 1)).clamp_min(1e-12));
        Trace("fusion", fused);
        return new ModelOutput(fused, cat(features, 1));
    }

    /// <summary>A joint feature module (Fig. 3): relu(1x1 conv(earlier layer) + conv5), max-pooled, a hidden FC with dropout, a classifier.</summary>
    public sealed class JointFeatureModule : nn.Module
    {
        private readonly Conv2d lateral;
        private readonly MaxPool2d pool;
        private readonly Linear fc;
        private readonly SeededDropout dropout;
        private readonly Linear classifier;

        public JointFeatureModule(int classes, double p) : base("jfm")
        {
            lateral = nn.Conv2d(Width, Width, 1);
            pool = Pool();
            fc = nn.Linear(Pooled, Hidden);
            dropout = new SeededDropout(p);
            classifier = nn.Linear(Hidden, classes);
            RegisterComponents();
        }

        /// <summary>Returns (pooled joint map, hidden features, logits).</summary>
        public (Tensor Joint, Tensor Hidden, Tensor Logits) Forward(Tensor layer, Tensor conv5)
        {
            var joint = pool.forward(F.relu(lateral.forward(layer) + conv5));
            var hidden = dropout.forward(F.relu(fc.forward(joint.flatten(1))));
            return (joint, hidden, classifier.forward(hidden));
        }
    }
}
