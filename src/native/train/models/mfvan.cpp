// MFVAN (Pan et al., "Multi-scale fusion visual attention network for facial micro-expression recognition",
// Front. Neurosci. 2023; seed 002): an apex->onset autoencoder removes identity (a residual teacher, pretrained by
// self-supervised reconstruction, guides a shallow student); a multi-scale ViT runs over the apex and the student's
// convolutional feature maps; at each scale the patches the class token attends to above a threshold are fused by
// an MLP; focal, mask and multi-scale classification losses. Settings: ../../../../configs/models/mfvan.yaml.
//
// The seed's equations did not survive in its text; these readings fill them in:
// - Teacher: conv stem, 3 stride-2 stages (convolution, batch norm, ReLU, residual blocks), 3 transposed convolutions,
//   sigmoid; student: the same without residual blocks (without the batch norm the encoder's maps hardly vary across
//   samples at small widths, and the small config did not learn in its 10 epochs).
// - Identity loss = MSE(T(apex), onset) + MSE(S(apex), onset) + MSE(S(apex), T(apex)) (the teacher as the student's
//   soft target, not updated by that term).
// - The teacher's self-supervised pretraining (reconstructing every frame it is given: onset and apex) runs for the
//   first `teacher_pretrain_steps` training steps, counted in a buffer saved with the checkpoint; only frames of the
//   training batches (the fold's training subjects) are ever used.
// - Scales: the apex (patch p) and the student's encoder maps at 1/2, 1/4, 1/8 (patches p/2, p/4, p/8), so every scale
//   has the same (size/p)^2 tokens; each scale has its own embedding, class token, positions and `depth` layers.
// - Masking: the class token's last-layer attention to the patches (mean over heads), renormalised over the patches,
//   times the patch count (1 = uniform); patches at or above `mask_threshold` are averaged and passed through the
//   scale's MLP.
// - Losses: focal (gamma `focal_gamma`, per-sample weights as alpha_t) on the fused prediction, on each scale's class
//   token ("multi-scale classification") and, weighted by `mask_weight`, on each scale's masked-patch prediction
//   ("mask loss"); plus the identity loss weighted by `identity_weight`.
// - Prediction: an MLP over [student bottleneck pooled, every scale's masked-patch feature].
#include "../model.hpp"
#include "../status.hpp"
#include "entries.hpp"
#include "vit.hpp"

namespace mer::train::models {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

constexpr int kScales = 4;  // the apex and three student feature maps

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2));
}

nn::ConvTranspose2d upconv(int64_t in, int64_t out) {
  return nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1));
}

class ResidualBlock : public nn::Module {
 public:
  explicit ResidualBlock(int64_t channels) {
    conv1_ = register_module("conv1", conv(channels, channels, 3, 1));
    conv2_ = register_module("conv2", conv(channels, channels, 3, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) { return torch::relu(x + conv2_(torch::relu(conv1_(x)))); }

 private:
  nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
};

// An image-to-image autoencoder; `blocks` residual blocks per stage (0: the shallow student).
class Autoencoder : public nn::Module {
 public:
  Autoencoder(int64_t width, int64_t blocks) {
    stem_ = register_module("stem", conv(3, width, 3, 1));
    int64_t channels = width;
    for (int s = 0; s < 3; ++s) {
      auto stage = nn::Sequential();
      stage->push_back(conv(channels, 2 * channels, 3, 2));
      stage->push_back(nn::BatchNorm2d(2 * channels));
      stage->push_back(nn::Functional(torch::relu));
      for (int64_t b = 0; b < blocks; ++b) stage->push_back(std::make_shared<ResidualBlock>(2 * channels));
      down_.push_back(register_module("down" + std::to_string(s), stage));
      channels *= 2;
    }
    for (int s = 0; s < 3; ++s) {
      up_.push_back(register_module("up" + std::to_string(s), upconv(channels, channels / 2)));
      channels /= 2;
    }
    out_ = register_module("out", conv(channels, 3, 3, 1));
  }

  // The generated image and the encoder's maps at 1/2, 1/4 and 1/8 of the input.
  std::pair<torch::Tensor, std::vector<torch::Tensor>> forward(const torch::Tensor& image) {
    auto x = torch::relu(stem_(image));
    std::vector<torch::Tensor> maps;
    for (auto& stage : down_) {
      x = stage->forward(x);
      maps.push_back(x);
    }
    for (auto& up : up_) x = torch::relu(up(x));
    return {torch::sigmoid(out_(x)), maps};
  }

 private:
  nn::Conv2d stem_{nullptr}, out_{nullptr};
  std::vector<nn::Sequential> down_;
  std::vector<nn::ConvTranspose2d> up_;
};

struct ScaleOutput {
  torch::Tensor class_logits, mask_logits, fused;
};

// One scale of the multi-scale ViT: embedding, class token, layers, class-token attention mask, MLP fusion.
class Scale : public nn::Module {
 public:
  Scale(int64_t in_channels, int64_t patch, int64_t tokens, const vit::BlockOptions& block, int64_t depth, int64_t classes,
        double threshold)
      : threshold_(threshold) {
    embed_ = register_module("embed", std::make_shared<vit::PatchEmbed>(in_channels, block.dim, patch));
    cls_ = register_parameter("cls_token", torch::randn({1, 1, block.dim}) * 0.02);
    positions_ = register_parameter("positions", torch::randn({1, tokens + 1, block.dim}) * 0.02);
    blocks_ = register_module("blocks", nn::ModuleList());
    for (int64_t i = 0; i < depth; ++i) blocks_->push_back(std::make_shared<vit::Block>(block));
    norm_ = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({block.dim}).eps(block.norm_eps)));
    mlp_ = register_module("mlp", nn::Linear(block.dim, block.dim));
    class_head_ = register_module("class_head", nn::Linear(block.dim, classes));
    mask_head_ = register_module("mask_head", nn::Linear(block.dim, classes));
  }

  ScaleOutput forward(const torch::Tensor& input) {
    auto patches = embed_->forward(input);
    auto x = torch::cat({cls_.expand({input.size(0), 1, cls_.size(2)}), patches}, 1) + positions_;
    torch::Tensor attention;
    for (size_t i = 0; i < blocks_->size(); ++i) x = blocks_->ptr<vit::Block>(i)->forward(x, &attention);
    x = norm_(x);
    const int64_t n = patches.size(1);
    // The class token's attention to the patches, renormalised over the patches (the softmax also covers the class
    // token itself, so unrenormalised a uniform row sits below 1 and nothing would be kept): 1 = uniform, and the
    // most attended patch is always kept when the threshold is at most 1.
    auto to_patches = attention.mean(1).select(1, 0).slice(1, 1);
    auto weights = to_patches / to_patches.sum(1, true) * static_cast<double>(n);  // [N, n]
    auto keep = (weights >= threshold_).to(x.dtype()).detach();
    auto kept = (x.slice(1, 1) * keep.unsqueeze(-1)).sum(1) / keep.sum(1, true).clamp_min(1);
    auto fused = torch::gelu(mlp_(kept));
    return {class_head_(x.select(1, 0)), mask_head_(fused), fused};
  }

 private:
  double threshold_;
  std::shared_ptr<vit::PatchEmbed> embed_;
  torch::Tensor cls_, positions_;
  nn::ModuleList blocks_{nullptr};
  nn::LayerNorm norm_{nullptr};
  nn::Linear mlp_{nullptr}, class_head_{nullptr}, mask_head_{nullptr};
};

torch::Tensor focal_loss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& weights, double gamma) {
  auto log_p = torch::log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
  auto per_sample = -torch::pow(1 - log_p.exp(), gamma) * log_p;
  return weights.defined() ? (per_sample * weights).sum() / weights.sum().clamp_min(1e-12) : per_sample.mean();
}

struct MfvanOptions {
  int64_t classes, image_size, patch, width, teacher_blocks, depth, head_hidden, teacher_pretrain_steps;
  vit::BlockOptions block;
  double threshold, dropout, focal_gamma, mask_weight, identity_weight;
};

class MFVAN : public Model {
 public:
  explicit MFVAN(const MfvanOptions& o)
      : options_(o),
        inputs_{{"apex", "aligned apex frame, BGR in 0..1 (classified)", {3, o.image_size, o.image_size}},
                {"onset", "aligned onset frame, BGR in 0..1 (the identity autoencoder's target)", {3, o.image_size, o.image_size}}} {
    teacher_ = register_module("teacher", std::make_shared<Autoencoder>(o.width, o.teacher_blocks));
    student_ = register_module("student", std::make_shared<Autoencoder>(o.width, 0));
    const int64_t grid = o.image_size / o.patch;
    for (int s = 0; s < kScales; ++s) {
      const int64_t channels = s == 0 ? 3 : o.width << s;
      scales_.push_back(register_module("scale" + std::to_string(s), std::make_shared<Scale>(channels, o.patch >> s, grid * grid, o.block,
                                                                                            o.depth, o.classes, o.threshold)));
    }
    fc1_ = register_module("fc1", nn::Linear((o.width << 3) + kScales * o.block.dim, o.head_hidden));
    dropout_ = register_module("dropout", nn::Dropout(o.dropout));
    fc2_ = register_module("fc2", nn::Linear(o.head_hidden, o.classes));
    steps_ = register_buffer("training_steps", torch::zeros({}, torch::kLong));
  }

  const std::vector<InputSpec>& inputs() const override { return inputs_; }
  int64_t classes() const override { return options_.classes; }

  ModelOutput forward(const std::vector<torch::Tensor>& in) override {
    const auto& apex = in.at(0);
    auto [generated, maps] = student_->forward(apex);
    trace("student.generated", generated);
    std::vector<torch::Tensor> features{maps.back().mean({2, 3})};
    scale_logits_.clear();
    for (int s = 0; s < kScales; ++s) {
      auto out = scales_[s]->forward(s == 0 ? apex : maps[s - 1]);
      if (s > 0) trace(s == 1 ? "scale1.input" : s == 2 ? "scale2.input" : "scale3.input", maps[s - 1]);
      features.push_back(out.fused);
      scale_logits_.push_back(out.class_logits);
      scale_logits_.push_back(out.mask_logits);
    }
    auto joined = torch::cat(features, 1);
    trace("features", joined);
    auto logits = fc2_(dropout_(torch::relu(fc1_(joined))));
    trace("logits", logits);
    torch::Tensor identity;
    if (is_training()) identity = options_.identity_weight * identity_loss(apex, in.at(1), generated);
    return {logits, joined, identity};
  }

  torch::Tensor loss(const ModelOutput& output, const torch::Tensor& labels, const torch::Tensor& weights) override {
    const double gamma = options_.focal_gamma;
    auto total = focal_loss(output.logits, labels, weights, gamma);
    for (size_t i = 0; i < scale_logits_.size(); i += 2)
      total = total + focal_loss(scale_logits_[i], labels, weights, gamma) +
              options_.mask_weight * focal_loss(scale_logits_[i + 1], labels, weights, gamma);
    if (output.auxiliary_loss.defined()) total = total + output.auxiliary_loss;
    return total;
  }

 private:
  MfvanOptions options_;
  std::vector<InputSpec> inputs_;
  std::shared_ptr<Autoencoder> teacher_, student_;
  std::vector<std::shared_ptr<Scale>> scales_;
  nn::Linear fc1_{nullptr};
  nn::Dropout dropout_{nullptr};
  nn::Linear fc2_{nullptr};
  torch::Tensor steps_;
  // The per-scale (class-token, masked-patch) logits of the last forward pass, for loss(): the trainer calls
  // loss(forward(batch)) back to back, and ModelOutput has room for one prediction only.
  std::vector<torch::Tensor> scale_logits_;

  torch::Tensor identity_loss(const torch::Tensor& apex, const torch::Tensor& onset, const torch::Tensor& student) {
    const bool pretraining = steps_.item<int64_t>() < options_.teacher_pretrain_steps;
    {
      torch::NoGradGuard no_grad;
      steps_.add_(1);
    }
    if (pretraining) {
      auto both = torch::cat({apex, onset}, 0);
      return F::mse_loss(teacher_->forward(both).first, both) + F::mse_loss(student, onset);
    }
    auto teacher = teacher_->forward(apex).first;
    return F::mse_loss(teacher, onset) + F::mse_loss(student, onset) + F::mse_loss(student, teacher.detach());
  }
};

}  // namespace

ModelEntry mfvan() {
  return {"mfvan",
          "MFVAN: apex->onset teacher/student identity removal + multi-scale ViT with attention-threshold masking (seed 002)",
          [](ConfigReader& c) -> std::shared_ptr<Model> {
            MfvanOptions o;
            auto fail = [](const std::string& why) { throw Error(MER_TRAIN_ERR_ARGUMENT, "model 'mfvan' config: " + why); };
            o.classes = c.integer("classes", 3, 2, 1000);
            o.image_size = c.integer("image_size", 224, 16, 4096);
            o.patch = c.integer("patch", 16, 8, 1024);
            if (o.patch % 8 != 0 || o.image_size % o.patch != 0)
              fail("key 'patch' must be a multiple of 8 (the 1/8 map's patch is patch/8) dividing key 'image_size'");
            o.width = c.integer("width", 32, 2, 512);
            o.teacher_blocks = c.integer("teacher_blocks", 2, 1, 16);
            o.block.dim = c.integer("dim", 192, 8, 4096);
            o.block.heads = c.integer("heads", 3, 1, 64);
            if (o.block.dim % o.block.heads != 0) fail("key 'dim' must be a multiple of key 'heads'");
            o.block.mlp_dim = c.integer("mlp_dim", 768, 8, 16384);
            o.block.dropout = c.number("transformer_dropout", 0.1, 0, 1);
            o.depth = c.integer("depth", 4, 1, 48);
            o.head_hidden = c.integer("head_hidden", 256, 1, 16384);
            o.dropout = c.number("dropout", 0.5, 0, 1);
            o.threshold = c.number("mask_threshold", 1.0, 0, 1e6);
            o.focal_gamma = c.number("focal_gamma", 2.0, 0, 10);
            o.mask_weight = c.number("mask_weight", 1.0, 0, 1e3);
            o.identity_weight = c.number("identity_weight", 1.0, 0, 1e3);
            o.teacher_pretrain_steps = c.integer("teacher_pretrain_steps", 200, 0, int64_t{1} << 40);
            return std::make_shared<MFVAN>(o);
          }};
}

}  // namespace mer::train::models
