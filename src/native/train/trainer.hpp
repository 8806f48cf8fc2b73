// The training loop: one model, its optimizer and the epoch reached, trained on caller-provided tensors.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "json.hpp"
#include "mer_train.h"
#include "model.hpp"

namespace mer::train {

// A training or prediction set as tensors over caller memory (not copied): inputs [N,C,H,W] in the model's order.
struct Dataset {
  std::vector<torch::Tensor> inputs;
  torch::Tensor labels;   // int64 [N]; undefined for prediction
  torch::Tensor weights;  // float [N]; undefined when all samples weigh the same
  int64_t size() const { return inputs.empty() ? 0 : inputs[0].size(0); }
};

// Per-step callback; returning false cancels training (MER_TRAIN_ERR_CANCELLED).
using ProgressFn = std::function<bool(const mer_train_progress&)>;

struct BenchResult {
  double trainer_seconds = 0;  // best of the repeats: one epoch through the trainer
  double raw_seconds = 0;      // best of the repeats: the same batches, forward + loss + backward + step only
  int64_t steps = 0;
};

class Trainer {
 public:
  Trainer(std::string model_name, const json::Value& model_config, TrainConfig config);

  const std::string& model_name() const { return model_name_; }
  const Model& model() const { return *model_; }
  const TrainConfig& config() const { return config_; }
  int64_t epoch() const { return epoch_; }

  // Trains from the epoch reached up to config().epochs, saving to `checkpoint_path` (if not empty) every
  // checkpoint_every epochs and at the end.
  void fit(const Dataset& data, const std::string& checkpoint_path, const ProgressFn& progress);

  torch::Tensor predict(const Dataset& data);   // [N, classes] probabilities, on the CPU
  torch::Tensor features(const Dataset& data);  // [N, D] penultimate features, on the CPU

  // Times one epoch through the trainer against the same batches run bare.
  BenchResult benchmark(const Dataset& data, int repeats);

  std::string describe();  // JSON: model, configs, epoch, parameters, inputs, feature size, intermediate shapes, optimizer groups

  void save(const std::string& path) const;
  // Rebuilds a trainer from a checkpoint; `overrides` (a JSON object, may be empty) replaces training keys.
  static std::unique_ptr<Trainer> load(const std::string& path, const std::string& overrides);

  // Checks that `data` fits the model's inputs (count and [C,H,W]); errors name the input.
  void check_inputs(const Dataset& data) const;

 private:
  std::string model_name_;
  json::Value model_config_;  // as read, defaults included
  TrainConfig config_;
  std::shared_ptr<Model> model_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  torch::Device device_;
  int64_t epoch_ = 0;  // epochs completed

  // Per optimizer group, in its order: the rate the schedule starts from and whether the schedule applies.
  struct GroupSchedule {
    std::string name;
    double base_rate;
    bool scheduled;
  };
  std::vector<GroupSchedule> schedules_;

  void apply_runtime() const;
  double learning_rate_at(int64_t epoch, const GroupSchedule& group) const;
  torch::Tensor epoch_order(const Dataset& data, torch::Generator& generator) const;
  // Runs epoch `epoch_` + 1 and reports through `progress`; false when the callback cancelled.
  bool run_epoch(const Dataset& data, const ProgressFn& progress);
  torch::Tensor run_eval(const Dataset& data, bool want_features);
};

// A generator and global seed for one epoch derived from (seed, epoch) alone, so an epoch draws the same
// shuffles, augmentations and dropout masks whether training ran straight through or resumed from a checkpoint.
uint64_t epoch_seed(int64_t seed, int64_t epoch);

}  // namespace mer::train
