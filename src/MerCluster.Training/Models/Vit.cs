using MerCluster.Training.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Models;

/// <summary>
/// Transformer parts shared by the seed models: the pre-norm encoder block (MSMMT's and MFVAN's ViTs, MobileViT's global
/// blocks) that can hand out its attention maps, and a ViT whose tensor names are timm's VisionTransformer names
/// (cls_token, pos_embed, patch_embed.proj, blocks.N.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}, norm), so
/// ImageNet ViT weights load by name (<see cref="VisionTransformer.Load"/>).
/// </summary>
public sealed record BlockOptions(long Dim = 768, long Heads = 12, long MlpDim = 3072, bool Silu = false, double NormEps = 1e-6, double Dropout = 0);

public sealed class Attention : nn.Module<Tensor, Tensor>
{
    private readonly long _heads;
    private readonly Linear qkv, proj;
    private readonly SeededDropout dropout;

    public Attention(long dim, long heads, double dropoutRate) : base("attn")
    {
        _heads = heads;
        qkv = Vit.InitLinear(nn.Linear(dim, 3 * dim));
        proj = Vit.InitLinear(nn.Linear(dim, dim));
        dropout = new SeededDropout(dropoutRate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, out _);

    /// <summary>x [N, T, D] -> [N, T, D]; <paramref name="attention"/> receives the softmax maps [N, heads, T, T].</summary>
    public Tensor Forward(Tensor x, out Tensor attention)
    {
        long n = x.shape[0], t = x.shape[1], d = x.shape[2];
        var parts = qkv.forward(x).reshape(n, t, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        attention = softmax(matmul(q, k.transpose(-2, -1)) / Math.Sqrt(d / _heads), -1);
        var mixed = matmul(attention, v).transpose(1, 2).reshape(n, t, d);
        return dropout.forward(proj.forward(mixed));
    }
}

public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly bool _silu;
    private readonly Linear fc1, fc2;
    private readonly SeededDropout dropout;

    public Mlp(long dim, long hidden, bool silu, double dropoutRate) : base("mlp")
    {
        _silu = silu;
        fc1 = Vit.InitLinear(nn.Linear(dim, hidden));
        fc2 = Vit.InitLinear(nn.Linear(hidden, dim));
        dropout = new SeededDropout(dropoutRate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = fc1.forward(x);
        h = dropout.forward(_silu ? F.silu(h) : F.gelu(h));
        return dropout.forward(fc2.forward(h));
    }
}

/// <summary>x + attn(norm1(x)), then + mlp(norm2(.)).</summary>
public sealed class Block : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1, norm2;
    private readonly Attention attn;
    private readonly Mlp mlp;

    public Block(BlockOptions o) : base("block")
    {
        norm1 = nn.LayerNorm([o.Dim], o.NormEps);
        attn = new Attention(o.Dim, o.Heads, o.Dropout);
        norm2 = nn.LayerNorm([o.Dim], o.NormEps);
        mlp = new Mlp(o.Dim, o.MlpDim, o.Silu, o.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, out _);

    public Tensor Forward(Tensor x, out Tensor attention)
    {
        var y = x + attn.Forward(norm1.forward(x), out attention);
        return y + mlp.forward(norm2.forward(y));
    }
}

/// <summary>timm's <c>patch_embed</c>: a patch x patch convolution with stride patch, named <c>proj</c>.</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    public PatchEmbed(long inChannels, long dim, long patch) : base("patch_embed")
    {
        proj = nn.Conv2d(inChannels, dim, patch, stride: patch);
        RegisterComponents();
    }

    public override Tensor forward(Tensor images) => proj.forward(images).flatten(2).transpose(1, 2);
}

/// <summary><paramref name="Grid"/>: patches per side of the largest input; pos_embed holds 1 + grid^2 positions.</summary>
public sealed record VitOptions(long InChannels = 3, long Patch = 16, long Grid = 14, long Depth = 12)
{
    public BlockOptions Block { get; init; } = new();
}

public sealed class VisionTransformer : nn.Module
{
    private readonly VitOptions _options;
    private readonly Parameter cls_token, pos_embed;
    private readonly PatchEmbed patch_embed;
    private readonly ModuleList<Block> blocks;
    private readonly LayerNorm norm;

    public VisionTransformer(VitOptions o) : base("vit")
    {
        _options = o;
        var d = o.Block.Dim;
        cls_token = new Parameter(randn(1, 1, d) * 1e-6);
        pos_embed = new Parameter(randn(1, 1 + o.Grid * o.Grid, d) * 0.02);
        patch_embed = new PatchEmbed(o.InChannels, d, o.Patch);
        blocks = nn.ModuleList(Enumerable.Range(0, (int)o.Depth).Select(_ => new Block(o.Block)).ToArray());
        norm = nn.LayerNorm([d], o.Block.NormEps);
        RegisterComponents();
    }

    public long Dim => _options.Block.Dim;

    public int Depth => blocks.Count;

    public Block BlockAt(int index) => blocks[index];

    public Tensor Norm(Tensor tokens) => norm.forward(tokens);

    /// <summary>
    /// images [N, C, g*patch, g*patch] with g &lt;= grid -> tokens [N, 1 + g^2, D]: class token, patch embeddings, positions
    /// (the position grid resampled bicubically to g x g when g &lt; grid, as timm does for other input sizes).
    /// </summary>
    public Tensor Embed(Tensor images)
    {
        var patches = patch_embed.forward(images);
        var g = images.shape[2] / _options.Patch;
        var cls = cls_token.expand(images.shape[0], 1, Dim);
        return cat([cls, patches], 1) + Vit.ResamplePositions(pos_embed, g);
    }

    /// <summary>
    /// Copies every parameter from <paramref name="weights"/> by its timm name; a pos_embed of another grid is resampled,
    /// tensors the model does not have (the classifier <c>head.*</c>) are ignored. A missing name or a shape that
    /// differs names the tensor and <paramref name="source"/>.
    /// </summary>
    public void Load(IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (!weights.TryGetValue(name, out var found))
                throw new TrainingException(TrainingStatus.Argument, $"weights file '{source}' has no tensor '{name}' (timm ViT names expected)");
            var value = found.to(parameter.dtype);
            if (name == "pos_embed" && value.dim() == 3 && value.shape[2] == parameter.shape[2])
                value = Vit.ResamplePositions(value, _options.Grid);
            if (!value.shape.SequenceEqual(parameter.shape))
                throw new TrainingException(TrainingStatus.Argument,
                    $"weights file '{source}': tensor '{name}' has shape [{string.Join(",", value.shape)}], the model needs [{string.Join(",", parameter.shape)}]");
            parameter.copy_(value);
        }
    }
}

public static class Vit
{
    /// <summary>ViT's initialisation (timm): small normal weights for the linear layers, zero biases.</summary>
    public static Linear InitLinear(Linear linear)
    {
        using var noGrad = no_grad();
        linear.weight.normal_(0, 0.02);
        linear.bias!.zero_();
        return linear;
    }

    /// <summary>Resamples the patch positions of <paramref name="positions"/> [1, 1 + g^2, D] to grid x grid, keeping the class position.</summary>
    public static Tensor ResamplePositions(Tensor positions, long grid)
    {
        var from = (long)Math.Round(Math.Sqrt(positions.shape[1] - 1));
        if (from == grid)
            return positions;
        var d = positions.shape[2];
        var patches = positions[.., 1..].reshape(1, from, from, d).permute(0, 3, 1, 2);
        patches = F.interpolate(patches, size: [grid, grid], mode: InterpolationMode.Bicubic, align_corners: false);
        return cat([positions[.., ..1], patches.permute(0, 2, 3, 1).reshape(1, grid * grid, d)], 1);
    }
}
