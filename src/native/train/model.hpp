// The interface every registered architecture implements. The trainer knows nothing else about a model:
// it hands over the input tensors in the declared order and asks the model for its loss, so multi-input models
// and models with their own losses (contrastive, distillation, reconstruction) drop in without trainer changes.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mer::train {

// One input a model consumes, per sample: [channels, height, width].
struct InputSpec {
  std::string name;
  std::string description;
  std::vector<int64_t> shape;
  // Channels 0 and 1 are a displacement (u, v): a geometric augmentation must turn the vectors with the image
  // (a horizontal flip negates u), or the augmented sample shows motion that never happened.
  bool motion_channels = false;
  // Each row of the last dimension is a box (x, y, width, height) in fractions of the model's image inputs: a
  // geometric augmentation moves the boxes with the images instead of resampling them as pixels.
  bool boxes = false;
};

// Parameters the optimizer treats alike. A model whose parts train at different rates (FRL-DGT's displacement
// generator has its own constant Adam rate) returns several; unset settings are the train section's.
struct ParameterGroup {
  std::string name;
  std::vector<torch::Tensor> parameters;
  std::optional<double> learning_rate;
  std::optional<double> weight_decay;
  bool scheduled = true;  // false: the learning rate stays constant whatever the train section's schedule
};

struct ModelOutput {
  torch::Tensor logits;          // [N, classes]; softmax(logits) are the class probabilities
  torch::Tensor features;        // [N, D] penultimate features (for SVMs and diagnostics)
  torch::Tensor auxiliary_loss;  // optional scalar a model adds to its loss (undefined when none)
};

// Intermediate activation shapes recorded during one forward pass (introspection for tests and `mer models`).
using ShapeTrace = std::vector<std::pair<std::string, std::vector<int64_t>>>;

class Model : public torch::nn::Module {
 public:
  virtual const std::vector<InputSpec>& inputs() const = 0;
  virtual int64_t classes() const = 0;
  virtual ModelOutput forward(const std::vector<torch::Tensor>& inputs) = 0;

  // Default: cross-entropy of the logits (weighted by per-sample weights when defined) plus the auxiliary loss.
  virtual torch::Tensor loss(const ModelOutput& output, const torch::Tensor& labels, const torch::Tensor& weights);

  // The optimizer's parameter groups; every parameter must be in exactly one. Default: one group of all parameters
  // with the train section's settings.
  virtual std::vector<ParameterGroup> parameter_groups() { return {{"all", parameters()}}; }

  // Runs one forward pass on `inputs` recording the shapes the model marks with trace().
  ShapeTrace trace_shapes(const std::vector<torch::Tensor>& inputs, ModelOutput* output = nullptr);

 protected:
  // Records `tensor`'s per-sample shape under `name` while trace_shapes() runs; free otherwise.
  void trace(const char* name, const torch::Tensor& tensor) {
    if (trace_) trace_->emplace_back(name, tensor.sizes().slice(1).vec());
  }

 private:
  ShapeTrace* trace_ = nullptr;
};

// The model tensors (name -> tensor) of a mer_train checkpoint written for model `model_name`; a file that is not
// such a checkpoint is an error naming `path` (checkpoint.cpp). Lets a model start from another run's weights.
c10::Dict<std::string, at::Tensor> read_model_state(const std::string& path, const std::string& model_name);

}  // namespace mer::train
