// STSTNet (Liong et al., 2019, the public MEGC2019 baseline): three shallow parallel streams over the same
// (u, v, strain) 28x28 input, as in its public code. Settings: ../../../../configs/models/ststnet.yaml.
#include "../model.hpp"
#include "entries.hpp"

namespace mer::train::models {
namespace {

class Stream : public torch::nn::Module {
 public:
  Stream(int64_t filters, double dropout)
      : conv_(register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, filters, 3).padding(2)))),
        norm_(register_module("norm", torch::nn::BatchNorm2d(filters))),
        pool_(register_module("pool", torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(3).padding(1)))),
        dropout_(register_module("dropout", torch::nn::Dropout(dropout))) {}

  torch::Tensor forward(const torch::Tensor& x) { return dropout_(pool_(norm_(torch::relu(conv_(x))))); }

 private:
  torch::nn::Conv2d conv_;
  torch::nn::BatchNorm2d norm_;
  torch::nn::MaxPool2d pool_;
  torch::nn::Dropout dropout_;
};

class STSTNet : public Model {
 public:
  STSTNet(int64_t classes, double dropout)
      : classes_(classes),
        s3_(register_module("stream3", std::make_shared<Stream>(3, dropout))),
        s5_(register_module("stream5", std::make_shared<Stream>(5, dropout))),
        s8_(register_module("stream8", std::make_shared<Stream>(8, dropout))),
        fc_(register_module("fc", torch::nn::Linear(16 * 5 * 5, classes))) {}

  const std::vector<InputSpec>& inputs() const override { return inputs_; }
  int64_t classes() const override { return classes_; }

  ModelOutput forward(const std::vector<torch::Tensor>& in) override {
    const auto& x = in.at(0);
    auto a = s3_->forward(x), b = s5_->forward(x), c = s8_->forward(x);
    trace("stream3", a);
    trace("stream5", b);
    trace("stream8", c);
    auto merged = torch::cat({a, b, c}, 1);
    trace("concat", merged);
    auto pooled = torch::avg_pool2d(merged, 2);
    trace("avgpool", pooled);
    auto features = pooled.flatten(1);
    trace("flatten", features);
    auto logits = fc_(features);
    trace("fc", logits);
    return {logits, features, {}};
  }

 private:
  int64_t classes_;
  std::vector<InputSpec> inputs_{{"flow", "optical flow u, v and optical strain, 28x28", {3, 28, 28}, /*motion_channels=*/true}};
  std::shared_ptr<Stream> s3_, s5_, s8_;
  torch::nn::Linear fc_;
};

}  // namespace

ModelEntry ststnet() {
  return {"ststnet", "STSTNet: three shallow streams over (u, v, strain) at 28x28 (public MEGC2019 baseline)",
          [](ConfigReader& c) -> std::shared_ptr<Model> {
            auto classes = c.integer("classes", 3, 2, 1000);
            auto dropout = c.number("dropout", 0.5, 0, 1);
            return std::make_shared<STSTNet>(classes, dropout);
          }};
}

}  // namespace mer::train::models
