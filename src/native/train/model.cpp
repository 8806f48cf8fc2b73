#include "model.hpp"

namespace mer::train {

torch::Tensor Model::loss(const ModelOutput& output, const torch::Tensor& labels, const torch::Tensor& weights) {
  namespace F = torch::nn::functional;
  torch::Tensor loss;
  if (weights.defined()) {
    auto per_sample = F::cross_entropy(output.logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kNone));
    loss = (per_sample * weights).sum() / weights.sum().clamp_min(1e-12);
  } else {
    loss = F::cross_entropy(output.logits, labels);
  }
  if (output.auxiliary_loss.defined()) loss = loss + output.auxiliary_loss;
  return loss;
}

ShapeTrace Model::trace_shapes(const std::vector<torch::Tensor>& inputs, ModelOutput* output) {
  ShapeTrace shapes;
  trace_ = &shapes;
  try {
    auto out = forward(inputs);
    if (output) *output = out;
  } catch (...) {
    trace_ = nullptr;
    throw;
  }
  trace_ = nullptr;
  return shapes;
}

}  // namespace mer::train
