#include "trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>
#include <unordered_set>

#include "augment.hpp"
#include "registry.hpp"
#include "status.hpp"

namespace mer::train {
namespace {

torch::Device parse_device(const std::string& text) {
  std::optional<torch::Device> device;
  try {
    device.emplace(text);
  } catch (const std::exception&) {
    throw Error(MER_TRAIN_ERR_ARGUMENT, "training config: key 'device' must be cpu, cuda or cuda:N, got '" + text + "'");
  }
  if (device->is_cuda()) {
    if (!torch::cuda::is_available())
      throw Error(MER_TRAIN_ERR_ARGUMENT, "training config: key 'device' is '" + text +
                                              "' but CUDA is not available (this libtorch has no CUDA or there is no GPU)");
    if (device->has_index() && device->index() >= static_cast<int64_t>(torch::cuda::device_count()))
      throw Error(MER_TRAIN_ERR_ARGUMENT, "training config: key 'device' is '" + text + "' but there are only " +
                                              std::to_string(torch::cuda::device_count()) + " CUDA devices");
  } else if (!device->is_cpu()) {
    throw Error(MER_TRAIN_ERR_ARGUMENT, "training config: key 'device' must be cpu, cuda or cuda:N, got '" + text + "'");
  }
  return *device;
}

// The model's groups as the optimizer's: a group with no overrides takes the optimizer's defaults (so the default
// single group builds exactly the optimizer a plain parameter list would).
template <typename Options>
std::vector<torch::optim::OptimizerParamGroup> optimizer_groups(const std::vector<ParameterGroup>& groups, const Options& defaults) {
  std::vector<torch::optim::OptimizerParamGroup> out;
  for (const auto& group : groups) {
    if (!group.learning_rate && !group.weight_decay) {
      out.emplace_back(group.parameters);
      continue;
    }
    auto options = std::make_unique<Options>(defaults);
    if (group.learning_rate) options->lr(*group.learning_rate);
    if (group.weight_decay) options->weight_decay(*group.weight_decay);
    out.emplace_back(group.parameters, std::move(options));
  }
  return out;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& c, const std::vector<ParameterGroup>& groups) {
  namespace optim = torch::optim;
  if (c.optimizer == "adamw") {
    auto defaults = optim::AdamWOptions(c.learning_rate).weight_decay(c.weight_decay);
    return std::make_unique<optim::AdamW>(optimizer_groups(groups, defaults), defaults);
  }
  if (c.optimizer == "sgd") {
    auto defaults = optim::SGDOptions(c.learning_rate).momentum(c.momentum).weight_decay(c.weight_decay);
    return std::make_unique<optim::SGD>(optimizer_groups(groups, defaults), defaults);
  }
  auto defaults = optim::AdamOptions(c.learning_rate).weight_decay(c.weight_decay);
  return std::make_unique<optim::Adam>(optimizer_groups(groups, defaults), defaults);
}

// Every trainable parameter in exactly one group: one left out would silently never train.
void check_groups(const Model& model, const std::vector<ParameterGroup>& groups, const std::string& name) {
  std::unordered_set<const void*> seen;
  for (const auto& group : groups)
    for (const auto& p : group.parameters)
      if (!seen.insert(p.unsafeGetTensorImpl()).second)
        throw Error(MER_TRAIN_ERR_INTERNAL, "model '" + name + "': a parameter is in two optimizer groups (the second: '" + group.name + "')");
  for (const auto& p : model.named_parameters())
    if (!seen.count(p.value().unsafeGetTensorImpl()))
      throw Error(MER_TRAIN_ERR_INTERNAL, "model '" + name + "': parameter '" + p.key() + "' is in no optimizer group");
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

using Clock = std::chrono::steady_clock;

}  // namespace

uint64_t epoch_seed(int64_t seed, int64_t epoch) {
  // splitmix64 over (seed, epoch): neighbouring seeds and epochs give unrelated streams.
  uint64_t z = static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch) + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Trainer::Trainer(std::string model_name, const json::Value& model_config, TrainConfig config)
    : model_name_(std::move(model_name)), config_(std::move(config)), device_(parse_device(config_.device)) {
  apply_runtime();
  torch::manual_seed(config_.seed);  // the initial weights
  model_ = create_model(model_name_, model_config, &model_config_);
  model_->to(device_);
  auto groups = model_->parameter_groups();
  check_groups(*model_, groups, model_name_);
  for (const auto& group : groups)
    schedules_.push_back({group.name, group.learning_rate.value_or(config_.learning_rate), group.scheduled});
  optimizer_ = make_optimizer(config_, groups);
}

void Trainer::apply_runtime() const {
  int threads = config_.threads > 0 ? static_cast<int>(config_.threads) : static_cast<int>(std::thread::hardware_concurrency());
  if (torch::get_num_threads() != threads) torch::set_num_threads(threads);
  // warn_only: on CUDA a few kernels have no deterministic variant; CPU results are deterministic either way.
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
}

double Trainer::learning_rate_at(int64_t epoch, const GroupSchedule& group) const {
  if (group.scheduled && config_.schedule == "cosine" && config_.epochs > 0)
    return group.base_rate * 0.5 * (1 + std::cos(M_PI * static_cast<double>(epoch) / static_cast<double>(config_.epochs)));
  return group.base_rate;
}

void Trainer::check_inputs(const Dataset& data) const {
  const auto& specs = model_->inputs();
  if (data.inputs.size() != specs.size())
    throw Error(MER_TRAIN_ERR_ARGUMENT, "model '" + model_name_ + "' takes " + std::to_string(specs.size()) +
                                            " input(s), got " + std::to_string(data.inputs.size()));
  for (size_t i = 0; i < specs.size(); ++i) {
    auto shape = data.inputs[i].sizes().slice(1).vec();
    if (shape != specs[i].shape)
      throw Error(MER_TRAIN_ERR_ARGUMENT, "input '" + specs[i].name + "' has shape " + shape_text(shape) + ", model '" +
                                              model_name_ + "' expects " + shape_text(specs[i].shape));
    if (data.inputs[i].size(0) != data.size())
      throw Error(MER_TRAIN_ERR_ARGUMENT, "input '" + specs[i].name + "' has " + std::to_string(data.inputs[i].size(0)) +
                                              " samples, the first input " + std::to_string(data.size()));
  }
  if (data.labels.defined() && data.size() > 0) {
    auto low = data.labels.min().item<int64_t>(), high = data.labels.max().item<int64_t>();
    if (low < 0 || high >= model_->classes())
      throw Error(MER_TRAIN_ERR_ARGUMENT, "labels must be class indices in [0, " + std::to_string(model_->classes()) +
                                              "), found " + std::to_string(low < 0 ? low : high));
  }
  if (data.weights.defined() && data.size() > 0 && !(data.weights.min().item<float>() >= 0))
    throw Error(MER_TRAIN_ERR_ARGUMENT, "sample weights must be non-negative");
}

torch::Tensor Trainer::epoch_order(const Dataset& data, torch::Generator& generator) const {
  if (!config_.class_balanced) return torch::randperm(data.size(), generator, torch::kLong);
  auto counts = torch::bincount(data.labels).to(torch::kDouble);
  auto probability = counts.reciprocal().index_select(0, data.labels);
  return torch::multinomial(probability, data.size(), /*replacement=*/true, generator);
}

bool Trainer::run_epoch(const Dataset& data, const ProgressFn& progress) {
  const int64_t n = data.size(), batch = config_.batch_size;
  const int64_t steps = (n + batch - 1) / batch;
  const uint64_t seed = epoch_seed(config_.seed, epoch_);
  torch::manual_seed(seed);  // dropout masks
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (size_t g = 0; g < schedules_.size(); ++g) optimizer_->param_groups()[g].options().set_lr(learning_rate_at(epoch_, schedules_[g]));
  model_->train();

  const bool augmenting = augmentation_enabled(config_);
  const auto order = epoch_order(data, generator);
  // Batches are gathered into buffers reused across steps: a fresh multi-megabyte batch every step costs page
  // faults comparable to a small model's whole step. Reuse is safe because each step's graph is freed by backward().
  std::vector<torch::Tensor> buffers;
  for (const auto& x : data.inputs) {
    auto shape = x.sizes().vec();
    shape[0] = std::min(n, batch);
    buffers.push_back(torch::empty(shape, x.options()));
  }
  auto loss_sum = torch::zeros({}, torch::TensorOptions().device(device_));
  const auto start = Clock::now();
  mer_train_progress report{static_cast<int32_t>(epoch_ + 1), static_cast<int32_t>(config_.epochs), 0,
                            static_cast<int32_t>(steps), 0, std::numeric_limits<double>::quiet_NaN(), 0};
  for (int64_t step = 0; step < steps; ++step) {
    auto index = order.slice(0, step * batch, std::min(n, (step + 1) * batch));
    std::vector<torch::Tensor> inputs;
    inputs.reserve(data.inputs.size());
    for (size_t i = 0; i < data.inputs.size(); ++i) {
      auto rows = buffers[i].narrow(0, 0, index.size(0));
      torch::index_select_out(rows, data.inputs[i], 0, index);
      inputs.push_back(rows.to(device_));
    }
    if (augmenting) inputs = augment(inputs, model_->inputs(), config_, generator);
    auto labels = data.labels.index_select(0, index).to(device_);
    auto weights = data.weights.defined() ? data.weights.index_select(0, index).to(device_) : torch::Tensor();

    optimizer_->zero_grad();
    auto loss = model_->loss(model_->forward(inputs), labels, weights);
    loss.backward();
    optimizer_->step();
    loss_sum += loss.detach() * static_cast<double>(index.size(0));

    const bool last = step + 1 == steps;
    if (last) {
      report.loss = loss_sum.item<double>() / static_cast<double>(n);
      ++epoch_;
    }
    if (progress) {
      double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      report.step = static_cast<int32_t>(step + 1);
      report.epoch_done = last ? 1 : 0;
      report.samples_per_s = static_cast<double>(std::min(n, (step + 1) * batch)) / std::max(seconds, 1e-9);
      if (!progress(report)) return false;
    }
  }
  return true;
}

void Trainer::fit(const Dataset& data, const std::string& checkpoint_path, const ProgressFn& progress) {
  check_inputs(data);
  if (!data.labels.defined()) throw Error(MER_TRAIN_ERR_ARGUMENT, "training needs labels");
  if (data.size() == 0) throw Error(MER_TRAIN_ERR_ARGUMENT, "training needs at least one sample");
  apply_runtime();
  while (epoch_ < config_.epochs) {
    const int64_t before = epoch_;
    const bool cancelled = !run_epoch(data, progress);
    const bool finished_epoch = epoch_ > before;
    if (cancelled) {
      // A cancel on the epoch's last step leaves consistent weights worth keeping; a cancel mid-epoch does not.
      if (!checkpoint_path.empty() && finished_epoch) save(checkpoint_path);
      throw Error(MER_TRAIN_ERR_CANCELLED, "training of '" + model_name_ + "' cancelled " +
                                               (finished_epoch ? "after epoch " : "during epoch ") +
                                               std::to_string(finished_epoch ? epoch_ : epoch_ + 1));
    }
    if (!checkpoint_path.empty() && config_.checkpoint_every > 0 && epoch_ % config_.checkpoint_every == 0 &&
        epoch_ < config_.epochs)
      save(checkpoint_path);
  }
  if (!checkpoint_path.empty()) save(checkpoint_path);
}

torch::Tensor Trainer::run_eval(const Dataset& data, bool want_features) {
  check_inputs(data);
  apply_runtime();
  torch::NoGradGuard no_grad;
  model_->eval();
  std::vector<torch::Tensor> parts;
  for (int64_t begin = 0; begin < data.size(); begin += config_.batch_size) {
    std::vector<torch::Tensor> inputs;
    for (const auto& x : data.inputs) inputs.push_back(x.slice(0, begin, begin + config_.batch_size).to(device_));
    auto out = model_->forward(inputs);
    parts.push_back((want_features ? out.features : torch::softmax(out.logits, 1)).to(torch::kCPU));
  }
  model_->train();
  if (parts.empty()) return torch::empty({0, want_features ? 0 : model_->classes()});
  return torch::cat(parts, 0).contiguous();
}

torch::Tensor Trainer::predict(const Dataset& data) { return run_eval(data, false); }
torch::Tensor Trainer::features(const Dataset& data) { return run_eval(data, true); }

std::string Trainer::describe() {
  apply_runtime();
  std::vector<torch::Tensor> probe;
  for (const auto& spec : model_->inputs()) {
    std::vector<int64_t> shape{1};
    shape.insert(shape.end(), spec.shape.begin(), spec.shape.end());
    probe.push_back(torch::zeros(shape, torch::TensorOptions().device(device_)));
  }
  ModelOutput out;
  ShapeTrace shapes;
  {
    torch::NoGradGuard no_grad;
    model_->eval();
    shapes = model_->trace_shapes(probe, &out);
    model_->train();
  }
  int64_t parameters = 0;
  for (const auto& p : model_->parameters()) parameters += p.numel();

  auto j = json::Value::make_object();
  j.set("model", json::Value::of(model_name_));
  j.set("model_config", model_config_);
  j.set("train_config", config_.json);
  j.set("epoch", json::Value::of(epoch_));
  j.set("classes", json::Value::of(model_->classes()));
  j.set("parameters", json::Value::of(parameters));
  j.set("feature_size", json::Value::of(out.features.size(1)));
  j.set("threads", json::Value::of(static_cast<int64_t>(torch::get_num_threads())));
  j.set("inputs", describe_inputs(*model_));
  // The optimizer's groups with the rate of the epoch run last (the starting rate before any).
  auto groups = json::Value::make_array();
  for (size_t g = 0; g < schedules_.size(); ++g) {
    const auto& group = optimizer_->param_groups()[g];
    int64_t count = 0;
    for (const auto& p : group.params()) count += p.numel();
    auto o = json::Value::make_object();
    o.set("name", json::Value::of(schedules_[g].name));
    o.set("parameters", json::Value::of(count));
    o.set("learning_rate", json::Value::of(group.options().get_lr()));
    o.set("scheduled", json::Value::of(schedules_[g].scheduled));
    groups.push(o);
  }
  j.set("parameter_groups", groups);
  auto traced = json::Value::make_array();
  for (const auto& [name, shape] : shapes) {
    auto s = json::Value::make_object();
    s.set("name", json::Value::of(name));
    auto dims = json::Value::make_array();
    for (auto d : shape) dims.push(json::Value::of(d));
    s.set("shape", dims);
    traced.push(s);
  }
  j.set("shapes", traced);
  return json::dump(j);
}

}  // namespace mer::train
