// MobileViT-SVM (seed 004): MobileViT (Mehta and Rastegari, 2021; variants XXS, XS, S with the layer widths of its
// Table 4 and Apple's ml-cvnets configs) on the grayscale, eye-masked 256x256 apex, with the seed's L2 penalty on the
// convolutional and fully connected layers and dropout before the classifier. Settings:
// ../../../../configs/models/mobilevit_svm.yaml.
//
// The seed's two extra stages live outside the network:
// - pretraining on macro-expressions is an ordinary training run of this model on a macro-expression feature set
//   (configs/models/mobilevit_svm-macro.yaml); `pretrained` then names that run's checkpoint, and every layer but the
//   classifier starts from it (so the macro set may have other classes);
// - the SVM (`classifier: svm`, `svm_kernel`, `svm_c`, `svm_gamma`) is fitted on the penultimate features (the pooled
//   1x1-expanded map, before dropout) by MerCluster.Training's SvmHead after fine-tuning; the native side only reads
//   and validates these keys, and with `classifier: softmax` the network's own head predicts.
//
// Readings: "L2 0.2" is Keras' kernel_regularizer l2(0.2) (the seed used Keras): 0.2 x the sum of squared weights of
// every convolution and linear layer (transformer projections included, biases and norms not), added to the loss
// while training; it is separate from the optimizer's weight decay, the seed's grid key.
#include "../model.hpp"
#include "../status.hpp"
#include "entries.hpp"
#include "vit.hpp"

namespace mer::train::models {
namespace {

namespace nn = torch::nn;

constexpr int64_t kPatch = 2;   // h = w = 2 at every level (seed, Section 3.3)
constexpr int64_t kHeads = 4;

// Conv, batch norm, then SiLU unless `act` is false.
class ConvLayer : public nn::Module {
 public:
  ConvLayer(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t groups = 1, bool act = true) : act_(act) {
    conv_ = register_module("conv", nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false)));
    norm_ = register_module("norm", nn::BatchNorm2d(out));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = norm_(conv_(x));
    return act_ ? torch::silu(y) : y;
  }

 private:
  bool act_;
  nn::Conv2d conv_{nullptr};
  nn::BatchNorm2d norm_{nullptr};
};

int64_t make_divisible(double value, int64_t divisor = 8) {
  auto v = std::max<int64_t>(divisor, static_cast<int64_t>(value + divisor / 2.0) / divisor * divisor);
  return v < 0.9 * value ? v + divisor : v;
}

// MobileNetV2's inverted residual: 1x1 expand, 3x3 depthwise, 1x1 project; residual when the shape is kept.
class InvertedResidual : public nn::Module {
 public:
  InvertedResidual(int64_t in, int64_t out, int64_t stride, double expand) : residual_(stride == 1 && in == out) {
    const int64_t hidden = make_divisible(in * expand);
    block_ = register_module("block", nn::Sequential());
    if (expand != 1) block_->push_back("expand", std::make_shared<ConvLayer>(in, hidden, 1));
    block_->push_back("depthwise", std::make_shared<ConvLayer>(hidden, hidden, 3, stride, hidden));
    block_->push_back("project", std::make_shared<ConvLayer>(hidden, out, 1, 1, 1, false));
  }
  torch::Tensor forward(const torch::Tensor& x) { return residual_ ? x + block_->forward(x) : block_->forward(x); }

 private:
  bool residual_;
  nn::Sequential block_{nullptr};
};

// The MobileViT block: local 3x3 + 1x1 to d, transformers across the 2x2-unfolded patches, 1x1 back, fusion 3x3.
class MobileViTBlock : public nn::Module {
 public:
  MobileViTBlock(int64_t channels, int64_t dim, int64_t ffn, int64_t depth, double dropout) {
    local_ = register_module("local", std::make_shared<ConvLayer>(channels, channels, 3));
    to_dim_ = register_module("to_dim", nn::Conv2d(nn::Conv2dOptions(channels, dim, 1).bias(false)));
    transformers_ = register_module("transformers", nn::ModuleList());
    vit::BlockOptions block;
    block.dim = dim;
    block.heads = kHeads;
    block.mlp_dim = ffn;
    block.silu = true;
    block.norm_eps = 1e-5;
    block.dropout = dropout;
    for (int64_t i = 0; i < depth; ++i) transformers_->push_back(std::make_shared<vit::Block>(block));
    norm_ = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({dim})));
    from_dim_ = register_module("from_dim", std::make_shared<ConvLayer>(dim, channels, 1));
    fusion_ = register_module("fusion", std::make_shared<ConvLayer>(2 * channels, channels, 3));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto y = to_dim_(local_->forward(x));
    const int64_t n = y.size(0), d = y.size(1), h = y.size(2) / kPatch, w = y.size(3) / kPatch;
    // [N, d, H, W] -> [N * 4, (H/2)(W/2), d]: one sequence per pixel position inside the 2x2 patches.
    auto tokens = y.reshape({n, d, h, kPatch, w, kPatch}).permute({0, 3, 5, 2, 4, 1}).reshape({n * kPatch * kPatch, h * w, d});
    for (size_t i = 0; i < transformers_->size(); ++i) tokens = transformers_->ptr<vit::Block>(i)->forward(tokens);
    tokens = norm_(tokens);
    y = tokens.reshape({n, kPatch, kPatch, h, w, d}).permute({0, 5, 3, 1, 4, 2}).reshape({n, d, h * kPatch, w * kPatch});
    return fusion_->forward(torch::cat({x, from_dim_->forward(y)}, 1));
  }

 private:
  std::shared_ptr<ConvLayer> local_;
  nn::Conv2d to_dim_{nullptr};
  nn::ModuleList transformers_{nullptr};
  nn::LayerNorm norm_{nullptr};
  std::shared_ptr<ConvLayer> from_dim_, fusion_;
};

struct Variant {
  double expand;                  // MobileNetV2 expansion
  int64_t layer1, layer2;         // MV2 output channels
  int64_t out[3], dim[3], ffn[3];  // layers 3-5: channels, transformer width, feed-forward width
  int64_t depth[3] = {2, 4, 3};
};

Variant variant(const std::string& name) {
  if (name == "xxs") return {2, 16, 24, {48, 64, 80}, {64, 80, 96}, {128, 160, 192}};
  if (name == "xs") return {4, 32, 48, {64, 80, 96}, {96, 120, 144}, {192, 240, 288}};
  return {4, 32, 64, {96, 128, 160}, {144, 192, 240}, {288, 384, 480}};
}

struct MobileViTOptions {
  int64_t classes, image_size;
  std::string variant;
  double dropout, transformer_dropout, l2;
};

class MobileViT : public Model {
 public:
  explicit MobileViT(const MobileViTOptions& o)
      : options_(o), inputs_{{"apex_gray", "grayscale apex, eye line levelled, eyes masked", {1, o.image_size, o.image_size}}} {
    const auto v = variant(o.variant);
    stem_ = register_module("stem", std::make_shared<ConvLayer>(1, 16, 3, 2));
    auto layer1 = nn::Sequential(std::make_shared<InvertedResidual>(16, v.layer1, 1, v.expand));
    auto layer2 = nn::Sequential(std::make_shared<InvertedResidual>(v.layer1, v.layer2, 2, v.expand),
                                 std::make_shared<InvertedResidual>(v.layer2, v.layer2, 1, v.expand),
                                 std::make_shared<InvertedResidual>(v.layer2, v.layer2, 1, v.expand));
    layers_.push_back(register_module("layer1", layer1));
    layers_.push_back(register_module("layer2", layer2));
    int64_t in = v.layer2;
    for (int i = 0; i < 3; ++i) {
      layers_.push_back(register_module("layer" + std::to_string(i + 3),
                                        nn::Sequential(std::make_shared<InvertedResidual>(in, v.out[i], 2, v.expand),
                                                       std::make_shared<MobileViTBlock>(v.out[i], v.dim[i], v.ffn[i], v.depth[i],
                                                                                        o.transformer_dropout))));
      in = v.out[i];
    }
    const int64_t expanded = std::min<int64_t>(4 * in, 960);
    expand_ = register_module("expand", std::make_shared<ConvLayer>(in, expanded, 1));
    dropout_ = register_module("dropout", nn::Dropout(o.dropout));
    classifier_ = register_module("classifier", nn::Linear(expanded, o.classes));
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<nn::Conv2d>()) penalised_.push_back(conv->weight);
      if (auto* linear = module->as<nn::Linear>()) penalised_.push_back(linear->weight);
    }
  }

  const std::vector<InputSpec>& inputs() const override { return inputs_; }
  int64_t classes() const override { return options_.classes; }

  ModelOutput forward(const std::vector<torch::Tensor>& in) override {
    auto x = stem_->forward(in.at(0));
    trace("stem", x);
    for (size_t i = 0; i < layers_.size(); ++i) {
      x = layers_[i]->forward(x);
      trace(i == 0 ? "layer1" : i == 1 ? "layer2" : i == 2 ? "layer3" : i == 3 ? "layer4" : "layer5", x);
    }
    x = expand_->forward(x);
    trace("expand", x);
    auto features = x.mean({2, 3});
    trace("pool", features);
    auto logits = classifier_(dropout_(features));
    trace("classifier", logits);
    torch::Tensor penalty;
    if (is_training() && options_.l2 > 0) {
      penalty = torch::zeros({}, logits.options());
      for (const auto& w : penalised_) penalty = penalty + w.pow(2).sum();
      penalty = penalty * options_.l2;
    }
    return {logits, features, penalty};
  }

  // Every layer but the classifier from a mer_train checkpoint of this model (the macro-expression stage).
  void load_pretrained(const std::string& path) {
    const std::string context = "model 'mobilevit_svm' config: key 'pretrained': ";
    c10::Dict<std::string, at::Tensor> state;
    try {
      state = read_model_state(path, "mobilevit_svm");
    } catch (const Error& e) {
      throw Error(e.status, context + e.what());
    }
    torch::NoGradGuard no_grad;
    auto copy = [&](const std::string& key, torch::Tensor target) {
      if (key.rfind("classifier.", 0) == 0) return;
      auto found = state.find(key);
      if (found == state.end())
        throw Error(MER_TRAIN_ERR_ARGUMENT, context + "checkpoint '" + path + "' lacks tensor '" + key + "': another variant?");
      if (found->value().sizes() != target.sizes())
        throw Error(MER_TRAIN_ERR_ARGUMENT, context + "checkpoint '" + path + "' tensor '" + key + "' does not fit this variant");
      target.copy_(found->value());
    };
    for (const auto& p : named_parameters()) copy(p.key(), p.value());
    for (const auto& b : named_buffers()) copy(b.key(), b.value());
  }

 private:
  MobileViTOptions options_;
  std::vector<InputSpec> inputs_;
  std::shared_ptr<ConvLayer> stem_, expand_;
  std::vector<nn::Sequential> layers_;
  nn::Dropout dropout_{nullptr};
  nn::Linear classifier_{nullptr};
  std::vector<torch::Tensor> penalised_;
};

}  // namespace

ModelEntry mobilevit_svm() {
  return {"mobilevit_svm",
          "MobileViT (XXS/XS/S) on the grayscale eye-masked apex with L2 0.2 and dropout 0.5; SVM or softmax head (seed 004)",
          [](ConfigReader& c) -> std::shared_ptr<Model> {
            MobileViTOptions o;
            o.classes = c.integer("classes", 3, 2, 1000);
            o.variant = c.choice("variant", "s", {"xxs", "xs", "s"});
            o.image_size = c.integer("image_size", 256, 64, 4096);
            if (o.image_size % 64 != 0)
              throw Error(MER_TRAIN_ERR_ARGUMENT, "model 'mobilevit_svm' config: key 'image_size' must be a multiple of 64 (the last "
                                                  "map, size/32, is cut into 2x2 patches), got " + std::to_string(o.image_size));
            o.dropout = c.number("dropout", 0.5, 0, 1);
            o.transformer_dropout = c.number("transformer_dropout", 0.1, 0, 1);
            o.l2 = c.number("l2", 0.2, 0, 100);
            c.choice("classifier", "svm", {"svm", "softmax"});
            c.choice("svm_kernel", "rbf", {"linear", "rbf"});
            c.number("svm_c", 1.0, 1e-6, 1e6);
            c.number("svm_gamma", 0, 0, 1e6);
            auto pretrained = c.text("pretrained", "");
            auto model = std::make_shared<MobileViT>(o);
            if (!pretrained.empty()) model->load_pretrained(pretrained);
            return model;
          }};
}

}  // namespace mer::train::models
