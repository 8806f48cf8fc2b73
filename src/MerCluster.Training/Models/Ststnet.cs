using MerCluster.Training.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Models;

/// <summary>
/// STSTNet (Liong et al., 2019, the public MEGC2019 baseline): three shallow parallel streams (3, 5 and 8 filters) over
/// the same (u, v, strain) 28x28 input, concatenated, average-pooled and classified. Tensor names are those of the
/// official code (conv1..3, bn1..3, fc), so its published per-subject weights load as they are.
/// Settings: configs/models/ststnet.yaml.
/// </summary>
[Model("ststnet", "STSTNet: three shallow streams over (u, v, strain) at 28x28 (public MEGC2019 baseline)")]
public sealed class Ststnet : RecognitionModel
{
    private readonly Conv2d conv1, conv2, conv3;
    private readonly BatchNorm2d bn1, bn2, bn3;
    private readonly Linear fc;
    private readonly double _dropout;

    public override IReadOnlyList<InputSpec> Inputs { get; } =
        [new InputSpec("flow_uvs", "optical flow u, v and optical strain, 28x28", [3, 28, 28], MotionChannels: true)];

    public override int Classes { get; }

    public Ststnet(ModelSettings settings) : base("ststnet")
    {
        Classes = settings.Integer("classes", 3, 2, 1000);
        _dropout = settings.Number("dropout", 0.5, 0, 1);
        conv1 = nn.Conv2d(3, 3, 3, padding: 2);
        conv2 = nn.Conv2d(3, 5, 3, padding: 2);
        conv3 = nn.Conv2d(3, 8, 3, padding: 2);
        bn1 = nn.BatchNorm2d(3);
        bn2 = nn.BatchNorm2d(5);
        bn3 = nn.BatchNorm2d(8);
        fc = nn.Linear(16 * 5 * 5, Classes);
        RegisterComponents();
    }

    public override ModelOutput Forward(IReadOnlyList<Tensor> inputs)
    {
        var x = inputs[0];
        var a = Stream(x, conv1, bn1);
        var b = Stream(x, conv2, bn2);
        var c = Stream(x, conv3, bn3);
        Trace("stream3", a);
        Trace("stream5", b);
        Trace("stream8", c);
        var merged = cat([a, b, c], 1);
        Trace("concat", merged);
        var pooled = F.avg_pool2d(merged, 2);
        Trace("avgpool", pooled);
        var features = pooled.flatten(1);
        Trace("flatten", features);
        var logits = fc.forward(features);
        Trace("fc", logits);
        return new ModelOutput(logits, features);
    }

    // conv -> relu -> batch norm -> 3x3 max pool (stride 3) -> dropout, as in the official code.
    private Tensor Stream(Tensor x, Conv2d conv, BatchNorm2d norm) =>
        Dropout(F.max_pool2d(norm.forward(F.relu(conv.forward(x))), 3, 3, 1), _dropout);
}
