// FRL-DGT (Zhai et al., CVPR 2023; seed 001): a displacement generation module (DGM) turns the aligned onset/apex
// pair into a 2-channel displacement; onset, apex and displacement are cropped into the 9 AU regions and the full
// face, and a transformer fusion (local modules per AU region, a global module over them, a full-face module) with
// the paper's fusion layer (eqs. 5-7) classifies. Settings: ../../../../configs/models/frl_dgt.yaml.
//
// Readings of the paper where it leaves a detail open, and what the trainer's single loop allows:
// - DGM: a U-Net-like encoder-decoder of conv-BN-ReLU blocks (3 downsamplings), tanh output times `displacement_scale`
//   (0.2) in grid_sample's normalised coordinates; the approximate apex samples the onset at (x + D) bilinearly.
//   L_DGM = 10 L1(reconstruction) + 1 mean|D| + 0.2 (mean |dD/dx| + mean |dD/dy|) (eqs. 1-4).
// - Self-supervision: the DGM loss is added to the classification loss on every training batch, on the onset->apex
//   pair, the reversed apex->onset pair and, with `frame_pairs` K > 0, on the K extra pairs of each sample (input
//   `frame_pairs`, [6K, m, m]: pair k is channels 6k..6k+2 -> 6k+3..6k+5; the pipeline's frame_pairs output draws
//   them at random, reproducibly, from the clip's aligned onset..offset frames): the paper's "additional random pairs
//   of image sequence", with the DGM loss only. The trainer only ever hands the model the fold's training subjects,
//   so no held-out frame reaches the DGM.
// - The classification gradient reaching the DGM is scaled by `dgm_gradient_scale` (1e-6).
// - The paper's two optimisers: the DGM is its own parameter group at the constant rate `dgm_learning_rate` (0.002,
//   Adam in the paper), the fusion network the other, at the train section's rate and schedule (Adam + cosine).
//   Both share the train section's optimizer kind and weight decay; the classification gradient reaching the DGM is
//   still scaled first.
// - AU regions: input `au_boxes` carries each sample's 9 boxes (x, y, width, height as fractions of the aligned face),
//   the pipeline's au_boxes output: the vision core's boxes (mer_au_boxes) from the sample's aligned onset
//   landmarks. Onset, apex and displacement are cropped at them by one affine grid sample (bilinear, border
//   replicated, differentiable), each region resampled to `region_size` (90). The pipeline's au_regions output
//   (apex crops) is not an input of this model; it stays for previews.
// - Each module is `depth` pre-norm transformer layers over its patch (or region) tokens with learned positions and
//   no class token, then the fusion layer; the head is FC-ReLU-dropout-FC over [global, full face].
// - Fusion layer: per head, Lin is a learned linear combination of the n queries (initialised to their mean, so
//   it starts as the averaging the paper mentions), scores = Lin(Q) K^T, then batch norm (one channel per head),
//   softmax over the n tokens, weighted sum of the values; heads concatenated.
#include "../model.hpp"
#include "../status.hpp"
#include "entries.hpp"
#include "vit.hpp"

namespace mer::train::models {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

constexpr int kRegions = 9;  // in the vision core's order (mer_vision.h, mer_au_boxes)
constexpr int64_t kStack = 3 + 3 + 2;  // onset, apex, displacement

class ConvBlock : public nn::Module {
 public:
  ConvBlock(int64_t in, int64_t out, int64_t stride) {
    conv_ = register_module("conv", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    norm_ = register_module("norm", nn::BatchNorm2d(out));
  }
  torch::Tensor forward(const torch::Tensor& x) { return torch::relu(norm_(conv_(x))); }

 private:
  nn::Conv2d conv_{nullptr};
  nn::BatchNorm2d norm_{nullptr};
};

class DisplacementGenerator : public nn::Module {
 public:
  DisplacementGenerator(int64_t width, double scale) : scale_(scale) {
    const int64_t w[4] = {width, 2 * width, 4 * width, 8 * width};
    down_.push_back(register_module("down0", std::make_shared<ConvBlock>(6, w[0], 1)));
    for (int i = 1; i < 4; ++i) down_.push_back(register_module("down" + std::to_string(i), std::make_shared<ConvBlock>(w[i - 1], w[i], 2)));
    for (int i = 2; i >= 0; --i) up_.push_back(register_module("up" + std::to_string(i), std::make_shared<ConvBlock>(w[i + 1] + w[i], w[i], 1)));
    out_ = register_module("out", nn::Conv2d(nn::Conv2dOptions(w[0], 2, 3).padding(1)));
  }

  // [N, 2, H, W] in [-scale, scale], x then y, in grid_sample's normalised coordinates.
  torch::Tensor forward(const torch::Tensor& onset, const torch::Tensor& apex) {
    std::vector<torch::Tensor> skips;
    auto x = torch::cat({onset, apex}, 1);
    for (auto& block : down_) {
      x = block->forward(x);
      skips.push_back(x);
    }
    for (size_t i = 0; i < up_.size(); ++i) {
      const auto& skip = skips[skips.size() - 2 - i];
      x = F::interpolate(x, F::InterpolateFuncOptions()
                                .size(std::vector<int64_t>{skip.size(2), skip.size(3)})
                                .mode(torch::kBilinear)
                                .align_corners(false));
      x = up_[i]->forward(torch::cat({x, skip}, 1));
    }
    return torch::tanh(out_(x)) * scale_;
  }

 private:
  double scale_;
  std::vector<std::shared_ptr<ConvBlock>> down_, up_;
  nn::Conv2d out_{nullptr};
};

torch::Tensor identity_grid(int64_t n, int64_t h, int64_t w, const torch::TensorOptions& options) {
  auto theta = torch::tensor({1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f}, options).reshape({1, 2, 3}).expand({n, 2, 3});
  return F::affine_grid(theta, {n, 1, h, w}, /*align_corners=*/false);
}

// The approximate apex G_s(onset, D): the onset sampled at x + D(x).
torch::Tensor warp(const torch::Tensor& image, const torch::Tensor& displacement) {
  auto grid = identity_grid(image.size(0), image.size(2), image.size(3), image.options()) + displacement.permute({0, 2, 3, 1});
  return F::grid_sample(image, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
}

// eqs. 1-4 with the paper's weights.
torch::Tensor displacement_loss(const torch::Tensor& from, const torch::Tensor& to, const torch::Tensor& d,
                                double rec_weight, double norm_weight, double smooth_weight) {
  auto reconstruction = (warp(from, d) - to).abs().mean();
  auto norm = d.abs().mean();
  auto smooth = (d.slice(3, 1) - d.slice(3, 0, -1)).abs().mean() + (d.slice(2, 1) - d.slice(2, 0, -1)).abs().mean();
  return rec_weight * reconstruction + norm_weight * norm + smooth_weight * smooth;
}

// eqs. 5-7.
class FusionLayer : public nn::Module {
 public:
  FusionLayer(int64_t dim, int64_t heads, int64_t tokens) : heads_(heads) {
    qkv_ = register_module("qkv", nn::Linear(dim, 3 * dim));
    mix_ = register_module("query_mix", nn::Linear(nn::LinearOptions(tokens, 1).bias(false)));
    norm_ = register_module("norm", nn::BatchNorm1d(heads));
    torch::NoGradGuard no_grad;
    mix_->weight.fill_(1.0 / static_cast<double>(tokens));
  }

  torch::Tensor forward(const torch::Tensor& x) {  // [N, n, C] -> [N, C]
    const int64_t n = x.size(0), t = x.size(1), d = x.size(2);
    auto qkv = qkv_(x).reshape({n, t, 3, heads_, d / heads_}).permute({2, 0, 3, 1, 4});  // [3, N, h, n, c]
    auto query = mix_(qkv[0].transpose(2, 3)).squeeze(-1);                                // [N, h, c]
    auto scores = torch::matmul(query.unsqueeze(2), qkv[1].transpose(2, 3)).squeeze(2);  // [N, h, n]
    auto weights = torch::softmax(norm_(scores), -1);
    return torch::matmul(weights.unsqueeze(2), qkv[2]).squeeze(2).reshape({n, d});
  }

 private:
  int64_t heads_;
  nn::Linear qkv_{nullptr}, mix_{nullptr};
  nn::BatchNorm1d norm_{nullptr};
};

// Attn block (transformer layers over the tokens, learned positions) then the fusion layer.
class FusionModule : public nn::Module {
 public:
  FusionModule(const vit::BlockOptions& block, int64_t depth, int64_t tokens) {
    positions_ = register_parameter("positions", torch::randn({1, tokens, block.dim}) * 0.02);
    blocks_ = register_module("blocks", nn::ModuleList());
    for (int64_t i = 0; i < depth; ++i) blocks_->push_back(std::make_shared<vit::Block>(block));
    norm_ = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({block.dim}).eps(block.norm_eps)));
    fusion_ = register_module("fusion", std::make_shared<FusionLayer>(block.dim, block.heads, tokens));
  }

  torch::Tensor forward(const torch::Tensor& tokens) {
    auto x = tokens + positions_;
    for (size_t i = 0; i < blocks_->size(); ++i) x = blocks_->ptr<vit::Block>(i)->forward(x);
    return fusion_->forward(norm_(x));
  }

 private:
  torch::Tensor positions_;
  nn::ModuleList blocks_{nullptr};
  nn::LayerNorm norm_{nullptr};
  std::shared_ptr<FusionLayer> fusion_;
};

// A region's patches as tokens, then its fusion module.
class RegionModule : public nn::Module {
 public:
  RegionModule(const vit::BlockOptions& block, int64_t depth, int64_t region, int64_t patch) {
    embed_ = register_module("embed", std::make_shared<vit::PatchEmbed>(kStack, block.dim, patch));
    const int64_t side = region / patch;
    module_ = register_module("module", std::make_shared<FusionModule>(block, depth, side * side));
  }
  torch::Tensor forward(const torch::Tensor& crop) { return module_->forward(embed_->forward(crop)); }

 private:
  std::shared_ptr<vit::PatchEmbed> embed_;
  std::shared_ptr<FusionModule> module_;
};

struct FrlDgtOptions {
  int64_t classes, image_size, region_size, patch, depth, dgm_width, head_hidden, frame_pairs;
  vit::BlockOptions block;
  double displacement_scale, rec_weight, norm_weight, smooth_weight, dgm_gradient_scale, dgm_learning_rate, dropout;
};

class FRLDGT : public Model {
 public:
  explicit FRLDGT(const FrlDgtOptions& o)
      : options_(o),
        inputs_{{"onset", "aligned onset frame, BGR", {3, o.image_size, o.image_size}},
                {"apex", "aligned apex frame, BGR", {3, o.image_size, o.image_size}},
                {"au_boxes", "the 9 AU boxes (x, y, width, height) as fractions of the aligned face", {1, kRegions, 4}, false, true}} {
    if (o.frame_pairs > 0)
      inputs_.push_back({"frame_pairs", "extra aligned frame pairs of the clip, BGR, for the DGM's self-supervision only",
                         {6 * o.frame_pairs, o.image_size, o.image_size}});
    dgm_ = register_module("dgm", std::make_shared<DisplacementGenerator>(o.dgm_width, o.displacement_scale));
    for (int r = 0; r < kRegions; ++r)
      local_.push_back(register_module("local" + std::to_string(r + 1), std::make_shared<RegionModule>(o.block, o.depth, o.region_size, o.patch)));
    // Not "global": module names become attribute names in the checkpoint archive, and that one is a Python keyword.
    global_ = register_module("global_fusion", std::make_shared<FusionModule>(o.block, o.depth, kRegions));
    face_ = register_module("full_face", std::make_shared<RegionModule>(o.block, o.depth, o.region_size, o.patch));
    fc1_ = register_module("fc1", nn::Linear(2 * o.block.dim, o.head_hidden));
    dropout_ = register_module("dropout", nn::Dropout(o.dropout));
    fc2_ = register_module("fc2", nn::Linear(o.head_hidden, o.classes));
  }

  const std::vector<InputSpec>& inputs() const override { return inputs_; }
  int64_t classes() const override { return options_.classes; }

  // The DGM on its own constant Adam rate, the fusion network on the train section's rate and schedule.
  std::vector<ParameterGroup> parameter_groups() override {
    ParameterGroup dgm{"dgm", dgm_->parameters(), options_.dgm_learning_rate, std::nullopt, false};
    ParameterGroup fusion{"fusion", {}};
    for (const auto& p : named_parameters())
      if (p.key().rfind("dgm.", 0) != 0) fusion.parameters.push_back(p.value());
    return {dgm, fusion};
  }

  ModelOutput forward(const std::vector<torch::Tensor>& in) override {
    const auto& onset = in.at(0);
    const auto& apex = in.at(1);
    const int64_t n = onset.size(0), r = options_.region_size;
    auto d = dgm_->forward(onset, apex);
    trace("displacement", d);
    auto scaled = d.detach() + options_.dgm_gradient_scale * (d - d.detach());
    auto stack = torch::cat({onset, apex, scaled}, 1);

    // Every sample's 9 boxes as one grid of 9 stacked r x r blocks, so one grid_sample crops all regions of the batch.
    auto b = in.at(2).reshape({n, kRegions, 4});
    auto x = b.select(2, 0), y = b.select(2, 1), w = b.select(2, 2), h = b.select(2, 3), zero = torch::zeros_like(x);
    auto theta = torch::stack({w, zero, 2 * x + w - 1, zero, h, 2 * y + h - 1}, 2).reshape({n * kRegions, 2, 3});
    auto grid = F::affine_grid(theta, {n * kRegions, kStack, r, r}, /*align_corners=*/false).reshape({n, kRegions * r, r, 2});
    auto crops = F::grid_sample(stack, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
    std::vector<torch::Tensor> locals;
    for (int k = 0; k < kRegions; ++k) {
      auto crop = crops.narrow(2, k * r, r);
      if (k == 0) trace("region", crop);
      locals.push_back(local_[k]->forward(crop));
    }
    trace("local", locals[0]);
    auto global = global_->forward(torch::stack(locals, 1));
    trace("global", global);
    auto face = face_->forward(F::interpolate(stack, F::InterpolateFuncOptions()
                                                         .size(std::vector<int64_t>{r, r})
                                                         .mode(torch::kBilinear)
                                                         .align_corners(false)
                                                         .antialias(true)));
    trace("full_face", face);
    auto features = torch::cat({global, face}, 1);
    auto hidden = dropout_(torch::relu(fc1_(features)));
    trace("fc1", hidden);
    auto logits = fc2_(hidden);
    trace("fc2", logits);

    torch::Tensor dgm_loss;
    if (is_training()) {
      auto reverse = dgm_->forward(apex, onset);
      dgm_loss = displacement_loss(onset, apex, d, options_.rec_weight, options_.norm_weight, options_.smooth_weight) +
                 displacement_loss(apex, onset, reverse, options_.rec_weight, options_.norm_weight, options_.smooth_weight);
      if (options_.frame_pairs > 0) {
        const int64_t m = options_.image_size;
        auto pairs = in.at(3).reshape({n * options_.frame_pairs, 6, m, m});
        auto first = pairs.narrow(1, 0, 3), second = pairs.narrow(1, 3, 3);
        dgm_loss = dgm_loss + displacement_loss(first, second, dgm_->forward(first, second), options_.rec_weight,
                                                options_.norm_weight, options_.smooth_weight);
      }
    }
    return {logits, features, dgm_loss};
  }

 private:
  FrlDgtOptions options_;
  std::vector<InputSpec> inputs_;
  std::shared_ptr<DisplacementGenerator> dgm_;
  std::vector<std::shared_ptr<RegionModule>> local_;
  std::shared_ptr<FusionModule> global_;
  std::shared_ptr<RegionModule> face_;
  nn::Linear fc1_{nullptr};
  nn::Dropout dropout_{nullptr};
  nn::Linear fc2_{nullptr};
};

}  // namespace

ModelEntry frl_dgt() {
  return {"frl_dgt",
          "FRL-DGT: displacement generation from onset/apex + transformer fusion over 9 AU regions and the full face (seed 001)",
          [](ConfigReader& c) -> std::shared_ptr<Model> {
            FrlDgtOptions o;
            auto fail = [](const std::string& why) { throw Error(MER_TRAIN_ERR_ARGUMENT, "model 'frl_dgt' config: " + why); };
            o.classes = c.integer("classes", 3, 2, 1000);
            o.image_size = c.integer("image_size", 224, 16, 4096);
            if (o.image_size % 8 != 0) fail("key 'image_size' must be a multiple of 8 (the DGM halves it 3 times)");
            o.region_size = c.integer("region_size", 90, 4, 1024);
            o.patch = c.integer("patch", 18, 1, 1024);
            if (o.region_size % o.patch != 0) fail("key 'region_size' must be a multiple of key 'patch'");
            o.block.dim = c.integer("dim", 256, 8, 4096);
            o.block.heads = c.integer("heads", 8, 1, 64);
            if (o.block.dim % o.block.heads != 0) fail("key 'dim' must be a multiple of key 'heads'");
            o.block.mlp_dim = c.integer("mlp_dim", 512, 8, 16384);
            o.block.dropout = c.number("transformer_dropout", 0.1, 0, 1);
            o.depth = c.integer("depth", 2, 1, 24);
            o.head_hidden = c.integer("head_hidden", 256, 1, 16384);
            o.dropout = c.number("dropout", 0.5, 0, 1);
            o.dgm_width = c.integer("dgm_width", 32, 4, 512);
            o.displacement_scale = c.number("displacement_scale", 0.2, 1e-6, 2);
            o.rec_weight = c.number("rec_weight", 10, 0, 1e6);
            o.norm_weight = c.number("norm_weight", 1, 0, 1e6);
            o.smooth_weight = c.number("smooth_weight", 0.2, 0, 1e6);
            o.dgm_gradient_scale = c.number("dgm_gradient_scale", 1e-6, 0, 1);
            o.dgm_learning_rate = c.number("dgm_learning_rate", 0.002, 0, 10);
            o.frame_pairs = c.integer("frame_pairs", 0, 0, 64);
            return std::make_shared<FRLDGT>(o);
          }};
}

}  // namespace mer::train::models
