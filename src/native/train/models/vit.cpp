#include "vit.hpp"

#include <cmath>

#include "../status.hpp"

namespace mer::train::vit {
namespace {

namespace F = torch::nn::functional;

std::string shape_text(at::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// ViT's initialisation (timm): small normal weights for the linear layers, zero biases.
void init_linear(torch::nn::Linear& linear) {
  torch::NoGradGuard no_grad;
  linear->weight.normal_(0, 0.02);
  linear->bias.zero_();
}

}  // namespace

Attention::Attention(int64_t dim, int64_t heads, double dropout) : heads_(heads) {
  qkv_ = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj_ = register_module("proj", torch::nn::Linear(dim, dim));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
  init_linear(qkv_);
  init_linear(proj_);
}

torch::Tensor Attention::forward(const torch::Tensor& x, torch::Tensor* attention) {
  const int64_t n = x.size(0), t = x.size(1), d = x.size(2);
  auto qkv = qkv_(x).reshape({n, t, 3, heads_, d / heads_}).permute({2, 0, 3, 1, 4});
  auto q = qkv[0], k = qkv[1], v = qkv[2];
  auto weights = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(d / heads_)), -1);
  if (attention) *attention = weights;
  auto mixed = torch::matmul(weights, v).transpose(1, 2).reshape({n, t, d});
  return dropout_(proj_(mixed));
}

Mlp::Mlp(int64_t dim, int64_t hidden, bool silu, double dropout) : silu_(silu) {
  fc1_ = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, dim));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
  init_linear(fc1_);
  init_linear(fc2_);
}

torch::Tensor Mlp::forward(const torch::Tensor& x) {
  auto h = fc1_(x);
  h = dropout_(silu_ ? torch::silu(h) : torch::gelu(h));
  return dropout_(fc2_(h));
}

Block::Block(const BlockOptions& o) {
  auto norm = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.dim}).eps(o.norm_eps)); };
  norm1_ = register_module("norm1", norm());
  attn_ = register_module("attn", std::make_shared<Attention>(o.dim, o.heads, o.dropout));
  norm2_ = register_module("norm2", norm());
  mlp_ = register_module("mlp", std::make_shared<Mlp>(o.dim, o.mlp_dim, o.silu, o.dropout));
}

torch::Tensor Block::forward(const torch::Tensor& x, torch::Tensor* attention) {
  auto y = x + attn_->forward(norm1_(x), attention);
  return y + mlp_->forward(norm2_(y));
}

PatchEmbed::PatchEmbed(int64_t in_channels, int64_t dim, int64_t patch) {
  proj_ = register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, dim, patch).stride(patch)));
}

VisionTransformer::VisionTransformer(const VitOptions& o) : options_(o) {
  const int64_t d = o.block.dim;
  cls_token_ = register_parameter("cls_token", torch::randn({1, 1, d}) * 1e-6);
  pos_embed_ = register_parameter("pos_embed", torch::randn({1, 1 + o.grid * o.grid, d}) * 0.02);
  patch_embed_ = register_module("patch_embed", std::make_shared<PatchEmbed>(o.in_channels, d, o.patch));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.depth; ++i) blocks_->push_back(std::make_shared<Block>(o.block));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(o.block.norm_eps)));
}

torch::Tensor resample_positions(const torch::Tensor& positions, int64_t grid) {
  const int64_t from = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(positions.size(1) - 1))));
  if (from == grid) return positions;
  const int64_t d = positions.size(2);
  auto patches = positions.slice(1, 1).reshape({1, from, from, d}).permute({0, 3, 1, 2});
  patches = F::interpolate(patches, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{grid, grid})
                                        .mode(torch::kBicubic)
                                        .align_corners(false));
  return torch::cat({positions.slice(1, 0, 1), patches.permute({0, 2, 3, 1}).reshape({1, grid * grid, d})}, 1);
}

torch::Tensor VisionTransformer::embed(const torch::Tensor& images) {
  auto patches = patch_embed_->forward(images);
  const int64_t g = images.size(2) / options_.patch;
  auto cls = cls_token_.expand({images.size(0), 1, options_.block.dim});
  return torch::cat({cls, patches}, 1) + resample_positions(pos_embed_, g);
}

void VisionTransformer::load(const std::map<std::string, torch::Tensor>& weights, const std::string& source) {
  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& parameter = item.value();
    auto found = weights.find(name);
    if (found == weights.end())
      throw Error(MER_TRAIN_ERR_ARGUMENT, "weights file '" + source + "' has no tensor '" + name + "' (timm ViT names expected)");
    auto value = found->second.to(parameter.dtype());
    if (name == "pos_embed" && value.dim() == 3 && value.size(2) == parameter.size(2))
      value = resample_positions(value, options_.grid);
    if (value.sizes() != parameter.sizes())
      throw Error(MER_TRAIN_ERR_ARGUMENT, "weights file '" + source + "': tensor '" + name + "' has shape " +
                                              shape_text(value.sizes()) + ", the model needs " + shape_text(parameter.sizes()));
    parameter.copy_(value);
  }
}

}  // namespace mer::train::vit
