// Checkpoints: one torch archive holding the model's parameters and buffers, the optimizer state, the epoch
// reached and both configurations (as read, defaults included), so a checkpoint alone rebuilds the trainer.
#include <cstdio>

#include "status.hpp"
#include "trainer.hpp"

namespace mer::train {
namespace {

constexpr int64_t kFormat = 1;

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

}  // namespace

void Trainer::save(const std::string& path) const {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model_->save(model_archive);
  optimizer_->save(optimizer_archive);
  archive.write("format", c10::IValue(kFormat));
  archive.write("model_name", c10::IValue(model_name_));
  archive.write("model_config", c10::IValue(json::dump(model_config_)));
  archive.write("train_config", c10::IValue(json::dump(config_.json)));
  archive.write("epoch", c10::IValue(epoch_));
  archive.write("model", model_archive);
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

  torch::serialize::InputArchive archive, model_archive, optimizer_archive;
  try {
    if (trainer->device_.is_cpu())
      archive = std::move(meta);
    else
      archive.load_from(path, trainer->device_);
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    trainer->model_->load(model_archive);
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
