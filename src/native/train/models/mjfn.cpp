// MJFN (Li et al., "Multi-scale joint feature network for micro-expression recognition", CVM 2021; seed 003):
// an AlexNet-like backbone (Table 1) plus joint feature modules (JFMs) that add a 1x1-convolved earlier layer to
// conv5, and a fusion of the JFM and backbone predictions. Settings: ../../../../configs/models/mjfn.yaml.
//
// Readings of the paper where it leaves a detail open:
// - "Layer 2" is taken after MaxPooling_2 (12x12x128), the only point of that layer whose size matches conv5
//   (eq. 8 adds the maps channel-wise at H5 x W5); layers 3 and 4 are the conv outputs after ReLU.
// - JFMs are added from the 4th layer downwards (Section 4.4): joint_modules = 1 uses conv4, 2 adds conv3, 3 adds layer 2.
// - Fusion: every branch's softmax is summed into Z (eq. 10); "average" predicts Z/(n+1), "softmax" predicts
//   softmax(Z) (eq. 11). Cross-entropy (eq. 12) on that prediction is cross_entropy(logits) with logits = log(Z/(n+1))
//   or Z respectively, so the trainer's default loss applies unchanged. Without JFMs (the paper's MJFN-BbN ablation)
//   the backbone's FC_3 output is the prediction.
// - Dropout 0.5 follows the ReLU of every hidden fully connected layer (backbone FC_1, FC_2 and each JFM's FC).
// - Penultimate features: backbone FC_2 output concatenated with each JFM's hidden FC output.
#include "../model.hpp"
#include "entries.hpp"

namespace mer::train::models {
namespace {

constexpr int64_t kWidth = 128;      // channels of conv2..conv5 and of every JFM
constexpr int64_t kHidden = 256;     // FC_1, FC_2 and the JFM's fully connected layer
constexpr int64_t kPooled = kWidth * 5 * 5;

torch::nn::MaxPool2d pool() { return torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2)); }

class JointFeatureModule : public torch::nn::Module {
 public:
  JointFeatureModule(int64_t classes, double dropout)
      : lateral_(register_module("lateral", torch::nn::Conv2d(torch::nn::Conv2dOptions(kWidth, kWidth, 1)))),
        pool_(register_module("pool", pool())),
        fc_(register_module("fc", torch::nn::Linear(kPooled, kHidden))),
        dropout_(register_module("dropout", torch::nn::Dropout(dropout))),
        classifier_(register_module("classifier", torch::nn::Linear(kHidden, classes))) {}

  // Returns (pooled joint map, hidden features, logits).
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> forward(const torch::Tensor& layer, const torch::Tensor& conv5) {
    auto joint = pool_(torch::relu(lateral_(layer) + conv5));
    auto hidden = dropout_(torch::relu(fc_(joint.flatten(1))));
    return {joint, hidden, classifier_(hidden)};
  }

 private:
  torch::nn::Conv2d lateral_;
  torch::nn::MaxPool2d pool_;
  torch::nn::Linear fc_;
  torch::nn::Dropout dropout_;
  torch::nn::Linear classifier_;
};

class MJFN : public Model {
 public:
  MJFN(int64_t classes, double dropout, int64_t joint_modules, bool softmax_fusion)
      : classes_(classes),
        softmax_fusion_(softmax_fusion),
        conv1_(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 48, 11).stride(4)))),
        conv2_(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(48, kWidth, 5).padding(2)))),
        conv3_(register_module("conv3", torch::nn::Conv2d(torch::nn::Conv2dOptions(kWidth, kWidth, 3).padding(1)))),
        conv4_(register_module("conv4", torch::nn::Conv2d(torch::nn::Conv2dOptions(kWidth, kWidth, 3).padding(1)))),
        conv5_(register_module("conv5", torch::nn::Conv2d(torch::nn::Conv2dOptions(kWidth, kWidth, 3).padding(1)))),
        pool_(register_module("pool", pool())),
        fc1_(register_module("fc1", torch::nn::Linear(kPooled, kHidden))),
        fc2_(register_module("fc2", torch::nn::Linear(kHidden, kHidden))),
        fc3_(register_module("fc3", torch::nn::Linear(kHidden, classes))),
        dropout_(register_module("dropout", torch::nn::Dropout(dropout))) {
    for (int64_t layer = 4; layer > 4 - joint_modules; --layer)
      jfms_.emplace_back(layer, register_module("jfm" + std::to_string(layer),
                                                std::make_shared<JointFeatureModule>(classes, dropout)));
  }

  const std::vector<InputSpec>& inputs() const override { return inputs_; }
  int64_t classes() const override { return classes_; }

  ModelOutput forward(const std::vector<torch::Tensor>& in) override {
    auto c1 = torch::relu(conv1_(in.at(0)));
    trace("conv1", c1);
    auto p1 = pool_(c1);
    trace("pool1", p1);
    auto c2 = torch::relu(conv2_(p1));
    trace("conv2", c2);
    auto p2 = pool_(c2);
    trace("pool2", p2);
    auto c3 = torch::relu(conv3_(p2));
    trace("conv3", c3);
    auto c4 = torch::relu(conv4_(c3));
    trace("conv4", c4);
    auto c5 = torch::relu(conv5_(c4));
    trace("conv5", c5);
    auto p3 = pool_(c5);
    trace("pool3", p3);
    auto h1 = dropout_(torch::relu(fc1_(p3.flatten(1))));
    trace("fc1", h1);
    auto h2 = dropout_(torch::relu(fc2_(h1)));
    trace("fc2", h2);
    auto backbone = fc3_(h2);
    trace("fc3", backbone);

    std::vector<torch::Tensor> features{h2};
    auto z = torch::softmax(backbone, 1);
    for (auto& [layer, jfm] : jfms_) {
      const torch::Tensor& source = layer == 4 ? c4 : layer == 3 ? c3 : p2;
      auto [joint, hidden, logits] = jfm->forward(source, c5);
      trace(layer == 4 ? "jfm4" : layer == 3 ? "jfm3" : "jfm2", joint);
      features.push_back(hidden);
      z = z + torch::softmax(logits, 1);
    }
    auto fused = jfms_.empty()    ? backbone
                 : softmax_fusion_ ? z
                                   : torch::log((z / static_cast<double>(jfms_.size() + 1)).clamp_min(1e-12));
    trace("fusion", fused);
    return {fused, torch::cat(features, 1), {}};
  }

 private:
  int64_t classes_;
  bool softmax_fusion_;
  std::vector<InputSpec> inputs_{{"flow_image", "TV-L1 flow as a Middlebury colour image, 224x224 RGB", {3, 224, 224}}};
  torch::nn::Conv2d conv1_, conv2_, conv3_, conv4_, conv5_;
  torch::nn::MaxPool2d pool_;
  torch::nn::Linear fc1_, fc2_, fc3_;
  torch::nn::Dropout dropout_;
  std::vector<std::pair<int64_t, std::shared_ptr<JointFeatureModule>>> jfms_;
};

}  // namespace

ModelEntry mjfn() {
  return {"mjfn", "MJFN: AlexNet-like backbone with joint feature modules over a 224x224 flow image (seed 003, Table 1)",
          [](ConfigReader& c) -> std::shared_ptr<Model> {
            auto classes = c.integer("classes", 3, 2, 1000);
            auto dropout = c.number("dropout", 0.5, 0, 1);
            auto joint_modules = c.integer("joint_modules", 3, 0, 3);
            auto fusion = c.choice("fusion", "softmax", {"softmax", "average"});
            return std::make_shared<MJFN>(classes, dropout, joint_modules, fusion == "softmax");
          }};
}

}  // namespace mer::train::models
