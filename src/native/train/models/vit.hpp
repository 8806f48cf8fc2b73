// Transformer parts shared by the seed models: the pre-norm encoder block (MSMMT's and MFVAN's ViTs, MobileViT's
// global blocks) that can hand out its attention maps, and a ViT whose parameter names are timm's
// VisionTransformer names (cls_token, pos_embed, patch_embed.proj, blocks.N.{norm1, attn.qkv, attn.proj, norm2,
// mlp.fc1, mlp.fc2}, norm), so ImageNet ViT weights load by name (see load()).
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace mer::train::vit {

struct BlockOptions {
  int64_t dim = 768;
  int64_t heads = 12;
  int64_t mlp_dim = 3072;
  bool silu = false;         // MobileViT's feed-forward activation; ViT uses GELU
  double norm_eps = 1e-6;    // timm's ViT LayerNorm epsilon; MobileViT uses torch's default 1e-5
  double dropout = 0;        // after the attention projection and each feed-forward linear
};

class Attention : public torch::nn::Module {
 public:
  Attention(int64_t dim, int64_t heads, double dropout);
  // x [N, T, D] -> [N, T, D]; `attention` (optional) receives the softmax maps [N, heads, T, T].
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* attention = nullptr);

 private:
  int64_t heads_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

class Mlp : public torch::nn::Module {
 public:
  Mlp(int64_t dim, int64_t hidden, bool silu, double dropout);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  bool silu_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

// x + attn(norm1(x)), then + mlp(norm2(.)).
class Block : public torch::nn::Module {
 public:
  explicit Block(const BlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* attention = nullptr);

 private:
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  std::shared_ptr<Attention> attn_;
  std::shared_ptr<Mlp> mlp_;
};

// timm's `patch_embed`: a patch x patch convolution with stride patch, named `proj`.
class PatchEmbed : public torch::nn::Module {
 public:
  PatchEmbed(int64_t in_channels, int64_t dim, int64_t patch);
  torch::Tensor forward(const torch::Tensor& images) { return proj_(images).flatten(2).transpose(1, 2); }

 private:
  torch::nn::Conv2d proj_{nullptr};
};

struct VitOptions {
  int64_t in_channels = 3;
  int64_t patch = 16;
  int64_t grid = 14;   // patches per side of the largest input; pos_embed holds 1 + grid^2 positions
  BlockOptions block;
  int64_t depth = 12;
};

class VisionTransformer : public torch::nn::Module {
 public:
  explicit VisionTransformer(const VitOptions& options);

  // images [N, C, g*patch, g*patch] with g <= grid -> tokens [N, 1 + g^2, D]: class token, patch embeddings, positions
  // (the position grid resampled bicubically to g x g when g < grid, as timm does for other input sizes).
  torch::Tensor embed(const torch::Tensor& images);
  Block& block(int64_t index) { return *blocks_->ptr<Block>(index); }
  int64_t depth() const { return static_cast<int64_t>(blocks_->size()); }
  int64_t dim() const { return options_.block.dim; }
  torch::Tensor norm(const torch::Tensor& tokens) { return norm_(tokens); }

  // Copies every parameter from `weights` by its timm name; pos_embed of another grid is resampled, tensors the
  // model does not have (the classifier `head.*`) are ignored. A missing name or a shape that differs is
  // MER_TRAIN_ERR_ARGUMENT naming the tensor and `source`.
  void load(const std::map<std::string, torch::Tensor>& weights, const std::string& source);

 private:
  VitOptions options_;
  torch::Tensor cls_token_, pos_embed_;
  std::shared_ptr<PatchEmbed> patch_embed_;
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};

// Resamples the patch positions of `positions` [1, 1 + g^2, D] to a grid x grid layout, keeping the class position.
torch::Tensor resample_positions(const torch::Tensor& positions, int64_t grid);

}  // namespace mer::train::vit
