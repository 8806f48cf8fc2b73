// Checkpoints: one torch archive holding the model's parameters and buffers, the optimizer state, the epoch
// reached and both configurations (as read, defaults included), so a checkpoint alone rebuilds the trainer.
// The model's tensors are one name -> tensor dictionary rather than nested module archives: torch writes nested
// archives as TorchScript attributes, which cannot load back a submodule named like a Python keyword ("global").
#include <cstdio>

#include "status.hpp"
#include "trainer.hpp"

namespace mer::train {
namespace {

constexpr int64_t kFormat = 2;

std::string read_string(torch::serialize::InputArchive& archive, const char* key, const std::string& path) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString())
    throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " has no '" + key + "' entry: not a mer_train checkpoint");
  return value.toStringRef();
}

int64_t read_int(torch::serialize::InputArchive& archive, const char* key, const std::string& path) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isInt())
    throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " has no '" + key + "' entry: not a mer_train checkpoint");
  return value.toInt();
}

std::string shape_text(at::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

c10::Dict<std::string, at::Tensor> state_of(const Model& model) {
  c10::Dict<std::string, at::Tensor> state;
  for (const auto& p : model.named_parameters()) state.insert(p.key(), p.value().detach());
  for (const auto& b : model.named_buffers()) state.insert(b.key(), b.value().detach());
  return state;
}

// Copies every parameter and buffer from `state`; a missing, extra or differently shaped tensor is an error naming it.
void load_state(Model& model, const c10::IValue& value, const std::string& name, const std::string& path) {
  if (!value.isGenericDict()) throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " has no model tensors");
  auto state = value.toGenericDict();
  torch::NoGradGuard no_grad;
  size_t used = 0;
  auto assign = [&](const std::string& key, torch::Tensor target) {
    auto found = state.find(key);
    if (found == state.end())
      throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " lacks tensor '" + key + "' of model '" + name + "'");
    auto tensor = found->value().toTensor();
    if (tensor.sizes() != target.sizes())
      throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " tensor '" + key + "' has shape " + shape_text(tensor.sizes()) +
                                        ", model '" + name + "' expects " + shape_text(target.sizes()));
    target.copy_(tensor);
    ++used;
  };
  for (const auto& p : model.named_parameters()) assign(p.key(), p.value());
  for (const auto& b : model.named_buffers()) assign(b.key(), b.value());
  if (used != state.size())
    for (const auto& entry : state)
      if (!model.named_parameters().contains(entry.key().toStringRef()) && !model.named_buffers().contains(entry.key().toStringRef()))
        throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " has tensor '" + entry.key().toStringRef() +
                                          "' that model '" + name + "' does not");
}

}  // namespace

c10::Dict<std::string, at::Tensor> read_model_state(const std::string& path, const std::string& model_name) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error(MER_TRAIN_ERR_IO, "cannot read checkpoint " + path + ": " + e.what());
  }
  if (read_int(archive, "format", path) != kFormat)
    throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " has an unknown format version");
  if (read_string(archive, "model_name", path) != model_name)
    throw Error(MER_TRAIN_ERR_ARGUMENT, "'" + path + "' is not a mer_train checkpoint of " + model_name);
  c10::IValue state;
  if (!archive.try_read("model_state", state) || !state.isGenericDict())
    throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " has no model tensors");
  return c10::impl::toTypedDict<std::string, at::Tensor>(state.toGenericDict());
}

void Trainer::save(const std::string& path) const {
  torch::serialize::OutputArchive archive, optimizer_archive;
  optimizer_->save(optimizer_archive);
  archive.write("format", c10::IValue(kFormat));
  archive.write("model_name", c10::IValue(model_name_));
  archive.write("model_config", c10::IValue(json::dump(model_config_)));
  archive.write("train_config", c10::IValue(json::dump(config_.json)));
  archive.write("epoch", c10::IValue(epoch_));
  archive.write("model_state", c10::IValue(state_of(*model_)));
  archive.write("optimizer", optimizer_archive);
  // Written beside and renamed over the target, so a crash mid-write never leaves a torn checkpoint.
  const std::string partial = path + ".partial";
  try {
    archive.save_to(partial);
  } catch (const std::exception& e) {
    std::remove(partial.c_str());
    throw Error(MER_TRAIN_ERR_IO, "cannot write checkpoint " + path + ": " + e.what());
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    std::remove(partial.c_str());
    throw Error(MER_TRAIN_ERR_IO, "cannot move checkpoint into place at " + path);
  }
}

std::unique_ptr<Trainer> Trainer::load(const std::string& path, const std::string& overrides) {
  torch::serialize::InputArchive meta;
  try {
    meta.load_from(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error(MER_TRAIN_ERR_IO, "cannot read checkpoint " + path + ": " + e.what());
  }
  if (read_int(meta, "format", path) != kFormat)
    throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " has an unknown format version");
  auto name = read_string(meta, "model_name", path);
  auto epoch = read_int(meta, "epoch", path);
  auto model_config = json::parse(read_string(meta, "model_config", path), "checkpoint model config");
  auto train_config = json::parse(read_string(meta, "train_config", path), "checkpoint training config");
  if (!overrides.empty()) {
    auto changes = json::parse(overrides, "training overrides");
    if (changes.kind != json::Value::Kind::Object)
      throw Error(MER_TRAIN_ERR_ARGUMENT, "training overrides: expected a JSON object");
    for (auto& [key, value] : changes.object) train_config.set(key, value);
  }
  auto trainer = std::make_unique<Trainer>(name, model_config, TrainConfig::parse(train_config));

  torch::serialize::InputArchive archive, optimizer_archive;
  try {
    if (trainer->device_.is_cpu())
      archive = std::move(meta);
    else
      archive.load_from(path, trainer->device_);
    c10::IValue state;
    archive.read("model_state", state);
    load_state(*trainer->model_, state, name, path);
    archive.read("optimizer", optimizer_archive);
    trainer->optimizer_->load(optimizer_archive);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(MER_TRAIN_ERR_IO, "checkpoint " + path + " does not fit model '" + name + "': " + e.what());
  }
  trainer->epoch_ = epoch;
  return trainer;
}

}  // namespace mer::train
