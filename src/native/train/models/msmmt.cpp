// MSMMT (Wang et al., "Multi-scale multi-modal micro-expression recognition algorithm based on transformer"; seed 000):
// per modality (dynamic image; u, v, strain image) one ViT run over the input at three scales m, m/2, m/4 with
// 16x16 patches; the attention of the first L-1 layers, combined as the paper's equations 12-14 say, weights the
// patch tokens entering the last layer (eq. 15); the three scales' class tokens are concatenated per modality
// (eq. 18), both modalities feed FC-ReLU-dropout-FC (eq. 17); the loss is (1 - alpha) x the cross-modal InfoNCE
// (eqs. 19-20) + alpha x cross-entropy (eq. 21). Settings: ../../../../configs/models/msmmt.yaml.
//
// Readings of the paper where it leaves a detail open:
// - One ViT per modality, shared by its three scales (the ViT-B initialisation of Section 4.4 is one ViT); the
//   position embeddings are those of the largest grid, resampled bicubically for the smaller ones.
// - A scale whose side is not a multiple of 16 (m/4 = 56 for m = 224) is resized to the multiple of 16 below it
//   (48: a 3x3 grid), so no image border is silently cut off by the patch convolution.
// - Eq. 12: the head-averaged attention map of each layer, each row renormalised to sum to 1; eq. 13: the maps
//   multiplied through the layers in order (G = G_{L-1} ... G_1, attention rollout); eq. 14: the mean over rows
//   (the attention each token receives), over the patch tokens, divided by its maximum.
// - Class tokens are taken after the ViT's final LayerNorm; InfoNCE compares the two modalities' concatenated class
//   tokens by cosine similarity, positives being the two modalities of the same sample.
// - The hidden width of FC_1 is not given: `head_hidden` (512).
//
// Weights (`weights`): a safetensors file with timm ViT-B/16 names (cls_token, pos_embed, patch_embed.proj.*,
// blocks.N.*, norm.*; head.* is ignored), e.g. timm's vit_base_patch16_224 model.safetensors; both modalities start
// from it. Empty: both ViTs train from scratch.
#include <cmath>

#include "../model.hpp"
#include "../safetensors.hpp"
#include "../status.hpp"
#include "entries.hpp"
#include "vit.hpp"

namespace mer::train::models {
namespace {

namespace F = torch::nn::functional;

constexpr int64_t kPatch = 16;
constexpr int kScales = 3;

// eqs. 12-14: per-sample weights in (0, 1] of the patch tokens, from the attention maps [N, heads, T, T] of the
// first L-1 layers.
torch::Tensor patch_weights(const std::vector<torch::Tensor>& maps) {
  torch::Tensor joint;
  for (const auto& map : maps) {
    auto g = map.mean(1);
    g = g / g.sum(-1, true);
    joint = joint.defined() ? torch::matmul(g, joint) : g;
  }
  auto received = joint.mean(1).slice(1, 1);
  return received / std::get<0>(received.max(1, true)).clamp_min(1e-12);
}

// One modality: the shared ViT over the three scales, class tokens concatenated [N, 3 x dim].
class MultiScaleViT : public torch::nn::Module {
 public:
  MultiScaleViT(const vit::VitOptions& options, int64_t image_size)
      : vit_(register_module("vit", std::make_shared<vit::VisionTransformer>(options))) {
    for (int s = 0; s < kScales; ++s) sizes_.push_back((image_size >> s) / kPatch * kPatch);
  }

  vit::VisionTransformer& vit() { return *vit_; }

  torch::Tensor forward(const torch::Tensor& images, const std::function<void(const std::string&, const torch::Tensor&)>& trace) {
    std::vector<torch::Tensor> tokens;
    for (int s = 0; s < kScales; ++s) {
      auto x = images.size(2) == sizes_[s]
                   ? images
                   : F::interpolate(images, F::InterpolateFuncOptions()
                                                .size(std::vector<int64_t>{sizes_[s], sizes_[s]})
                                                .mode(torch::kBilinear)
                                                .align_corners(false)
                                                .antialias(true));
      auto z = vit_->embed(x);
      const std::string scale = "scale" + std::to_string(s + 1);
      trace(scale + ".tokens", z);
      std::vector<torch::Tensor> maps;
      const int64_t last = vit_->depth() - 1;
      for (int64_t l = 0; l < last; ++l) {
        torch::Tensor map;
        z = vit_->block(l).forward(z, &map);
        maps.push_back(map);
      }
      auto weights = patch_weights(maps);
      trace(scale + ".patch_weights", weights);
      z = torch::cat({z.slice(1, 0, 1), z.slice(1, 1) * weights.unsqueeze(-1)}, 1);  // eq. 15
      z = vit_->norm(vit_->block(last).forward(z));
      tokens.push_back(z.select(1, 0));
    }
    return torch::cat(tokens, 1);
  }

 private:
  std::shared_ptr<vit::VisionTransformer> vit_;
  std::vector<int64_t> sizes_;
};

struct MsmmtOptions {
  int64_t classes, image_size, head_hidden;
  vit::VitOptions vit;
  double dropout, alpha, temperature;
};

class MSMMT : public Model {
 public:
  explicit MSMMT(const MsmmtOptions& o)
      : options_(o),
        inputs_{{"dynamic_image", "dynamic image of the clip (approximate rank pooling), RGB", {3, o.image_size, o.image_size}},
                {"flow_uvs", "onset->apex TV-L1 flow u, v and optical strain of the magnified clip", {3, o.image_size, o.image_size}, /*motion_channels=*/true}},
        dynamic_(register_module("dynamic_image", std::make_shared<MultiScaleViT>(o.vit, o.image_size))),
        flow_(register_module("flow_uvs", std::make_shared<MultiScaleViT>(o.vit, o.image_size))),
        fc1_(register_module("fc1", torch::nn::Linear(2 * kScales * o.vit.block.dim, o.head_hidden))),
        dropout_(register_module("dropout", torch::nn::Dropout(o.dropout))),
        fc2_(register_module("fc2", torch::nn::Linear(o.head_hidden, o.classes))) {}

  const std::vector<InputSpec>& inputs() const override { return inputs_; }
  int64_t classes() const override { return options_.classes; }

  void load_vit(const std::string& path) {
    auto weights = read_safetensors(path);
    dynamic_->vit().load(weights, path);
    flow_->vit().load(weights, path);
  }

  ModelOutput forward(const std::vector<torch::Tensor>& in) override {
    auto dynamic = dynamic_->forward(in.at(0), [this](const std::string& n, const torch::Tensor& t) { trace(("dynamic_image." + n).c_str(), t); });
    auto flow = flow_->forward(in.at(1), [this](const std::string& n, const torch::Tensor& t) { trace(("flow_uvs." + n).c_str(), t); });
    trace("dynamic_image.class_tokens", dynamic);
    trace("flow_uvs.class_tokens", flow);
    auto features = torch::cat({dynamic, flow}, 1);
    auto hidden = dropout_(torch::relu(fc1_(features)));
    trace("fc1", hidden);
    auto logits = fc2_(hidden);
    trace("fc2", logits);
    return {logits, features, {}};
  }

  // eq. 21; features are [dynamic image tokens | flow tokens] as forward() concatenates them.
  torch::Tensor loss(const ModelOutput& output, const torch::Tensor& labels, const torch::Tensor& weights) override {
    auto cross_entropy = Model::loss({output.logits, {}, {}}, labels, weights);
    auto halves = output.features.chunk(2, 1);
    auto a = F::normalize(halves[0], F::NormalizeFuncOptions().dim(1));
    auto b = F::normalize(halves[1], F::NormalizeFuncOptions().dim(1));
    auto similarity = torch::matmul(a, b.t()) / options_.temperature;
    auto same = torch::arange(similarity.size(0), torch::TensorOptions().dtype(torch::kLong).device(similarity.device()));
    auto none = F::CrossEntropyFuncOptions().reduction(torch::kNone);
    auto per_sample = (F::cross_entropy(similarity, same, none) + F::cross_entropy(similarity.t(), same, none)) / 2;  // eq. 20
    auto contrastive = weights.defined() ? (per_sample * weights).sum() / weights.sum().clamp_min(1e-12) : per_sample.mean();
    return (1 - options_.alpha) * contrastive + options_.alpha * cross_entropy;
  }

 private:
  MsmmtOptions options_;
  std::vector<InputSpec> inputs_;
  std::shared_ptr<MultiScaleViT> dynamic_, flow_;
  torch::nn::Linear fc1_;
  torch::nn::Dropout dropout_;
  torch::nn::Linear fc2_;
};

}  // namespace

ModelEntry msmmt() {
  return {"msmmt",
          "MSMMT: multi-scale ViT per modality (dynamic image; u, v, strain) with attention-weighted patches and "
          "cross-modal InfoNCE + CE (seed 000)",
          [](ConfigReader& c) -> std::shared_ptr<Model> {
            MsmmtOptions o;
            o.classes = c.integer("classes", 3, 2, 1000);
            o.image_size = c.integer("image_size", 224, 64, 4096);
            if (o.image_size % kPatch != 0)
              throw Error(MER_TRAIN_ERR_ARGUMENT, "model 'msmmt' config: key 'image_size' must be a multiple of 16, got " +
                                                      std::to_string(o.image_size));
            o.vit.in_channels = 3;
            o.vit.patch = kPatch;
            o.vit.grid = o.image_size / kPatch;
            o.vit.block.dim = c.integer("dim", 768, 8, 4096);
            o.vit.block.heads = c.integer("heads", 12, 1, 64);
            if (o.vit.block.dim % o.vit.block.heads != 0)
              throw Error(MER_TRAIN_ERR_ARGUMENT, "model 'msmmt' config: key 'dim' (" + std::to_string(o.vit.block.dim) +
                                                      ") must be a multiple of key 'heads' (" + std::to_string(o.vit.block.heads) + ")");
            o.vit.block.mlp_dim = c.integer("mlp_dim", 3072, 8, 16384);
            o.vit.depth = c.integer("depth", 12, 2, 48);
            o.head_hidden = c.integer("head_hidden", 512, 1, 16384);
            o.dropout = c.number("dropout", 0.5, 0, 1);
            o.alpha = c.number("alpha", 0.1, 0, 1);
            o.temperature = c.number("temperature", 0.07, 1e-4, 100);
            auto weights = c.text("weights", "");
            auto model = std::make_shared<MSMMT>(o);
            if (!weights.empty()) model->load_vit(weights);
            return model;
          }};
}

}  // namespace mer::train::models
