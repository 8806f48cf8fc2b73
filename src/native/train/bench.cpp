// The loop-overhead benchmark: the same epoch's batches run through the trainer and bare, so the difference is
// what the trainer adds (batch gathering, progress, bookkeeping) over libtorch's forward + backward + step.
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <limits>

#include "status.hpp"
#include "trainer.hpp"

namespace mer::train {

BenchResult Trainer::benchmark(const Dataset& data, int repeats) {
  check_inputs(data);
  if (!data.labels.defined() || data.size() == 0) throw Error(MER_TRAIN_ERR_ARGUMENT, "the benchmark needs labelled samples");
  if (repeats < 1) throw Error(MER_TRAIN_ERR_ARGUMENT, "the benchmark needs at least one repeat");
  apply_runtime();
  using Clock = std::chrono::steady_clock;
  const ProgressFn quiet;
  run_epoch(data, quiet);  // warm-up: allocator, BLAS buffers, optimizer state

  BenchResult result;
  result.trainer_seconds = result.raw_seconds = std::numeric_limits<double>::infinity();
  const int64_t n = data.size(), batch = config_.batch_size;
  result.steps = (n + batch - 1) / batch;

  auto bare_epoch = [&] {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(epoch_seed(config_.seed, epoch_));
    auto order = epoch_order(data, generator);
    std::vector<std::vector<torch::Tensor>> inputs;
    std::vector<torch::Tensor> labels;
    for (int64_t step = 0; step < result.steps; ++step) {
      auto index = order.slice(0, step * batch, std::min(n, (step + 1) * batch));
      std::vector<torch::Tensor> xs;
      for (const auto& x : data.inputs) xs.push_back(x.index_select(0, index).to(device_));
      inputs.push_back(std::move(xs));
      labels.push_back(data.labels.index_select(0, index).to(device_));
    }
    model_->train();
    auto loss_sum = torch::zeros({}, torch::TensorOptions().device(device_));
    auto start = Clock::now();
    for (size_t step = 0; step < inputs.size(); ++step) {
      optimizer_->zero_grad();
      auto loss = model_->loss(model_->forward(inputs[step]), labels[step], torch::Tensor());
      loss.backward();
      optimizer_->step();
      loss_sum += loss.detach();
    }
    loss_sum.item<double>();  // waits for the device, as the trainer does at the end of an epoch
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  auto trainer_epoch = [&] {
    auto start = Clock::now();
    run_epoch(data, quiet);
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  // Alternating which goes first keeps order effects (caches, allocator state) out of the comparison.
  for (int r = 0; r < repeats; ++r) {
    if (r % 2 == 0) {
      result.raw_seconds = std::min(result.raw_seconds, bare_epoch());
      result.trainer_seconds = std::min(result.trainer_seconds, trainer_epoch());
    } else {
      result.trainer_seconds = std::min(result.trainer_seconds, trainer_epoch());
      result.raw_seconds = std::min(result.raw_seconds, bare_epoch());
    }
  }
  return result;
}

}  // namespace mer::train
