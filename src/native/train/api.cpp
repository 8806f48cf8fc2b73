// The extern "C" surface of mer_train.h: argument checks, caller buffers, and the status/last-error convention.
#include <cstring>
#include <fstream>

#include "registry.hpp"
#include "status.hpp"
#include "trainer.hpp"

struct mer_trainer {
  std::unique_ptr<mer::train::Trainer> trainer;
};

namespace mer::train {
namespace {

template <typename T>
T& need(T* pointer, const char* name) {
  if (!pointer) throw Error(MER_TRAIN_ERR_ARGUMENT, std::string(name) + " is null");
  return *pointer;
}

Trainer& trainer_of(mer_trainer* handle) {
  auto& h = need(handle, "trainer");
  return *h.trainer;
}

void write_text(const std::string& text, char* buffer, int64_t capacity, int64_t* length) {
  need(length, "length") = static_cast<int64_t>(text.size());
  if (!buffer || capacity < static_cast<int64_t>(text.size()) + 1)
    throw Error(MER_TRAIN_ERR_ARGUMENT, "buffer of " + std::to_string(capacity) + " bytes is too small for " +
                                            std::to_string(text.size() + 1));
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
}

// Wraps caller memory without copying; the tensors live only for the duration of the call.
Dataset wrap(const mer_train_input* inputs, int32_t count, const int64_t* labels, const float* weights) {
  if (count <= 0) throw Error(MER_TRAIN_ERR_ARGUMENT, "at least one input is needed");
  need(inputs, "inputs");
  Dataset data;
  for (int32_t i = 0; i < count; ++i) {
    const auto& in = inputs[i];
    if (in.n < 0 || in.channels <= 0 || in.height <= 0 || in.width <= 0)
      throw Error(MER_TRAIN_ERR_ARGUMENT, "input " + std::to_string(i) + " has a non-positive dimension");
    if (in.n > 0 && !in.data) throw Error(MER_TRAIN_ERR_ARGUMENT, "input " + std::to_string(i) + " data is null");
    data.inputs.push_back(torch::from_blob(const_cast<float*>(in.data), {in.n, in.channels, in.height, in.width}, torch::kFloat));
  }
  const int64_t n = inputs[0].n;
  if (labels) data.labels = torch::from_blob(const_cast<int64_t*>(labels), {n}, torch::kLong);
  if (weights) data.weights = torch::from_blob(const_cast<float*>(weights), {n}, torch::kFloat);
  return data;
}

void copy_out(const torch::Tensor& result, float* out, int64_t capacity) {
  if (capacity < result.numel())
    throw Error(MER_TRAIN_ERR_ARGUMENT, "output buffer holds " + std::to_string(capacity) + " floats, " +
                                            std::to_string(result.numel()) + " are needed");
  if (result.numel() > 0) std::memcpy(&need(out, "out"), result.data_ptr<float>(), sizeof(float) * result.numel());
}

std::string models_json() {
  auto list = json::Value::make_array();
  for (const auto& entry : list_models()) {
    json::Value defaults;
    auto model = create_model(entry.name, json::Value::make_object(), &defaults);
    auto e = json::Value::make_object();
    e.set("name", json::Value::of(entry.name));
    e.set("summary", json::Value::of(entry.summary));
    e.set("inputs", describe_inputs(*model));
    e.set("defaults", defaults);
    list.push(e);
  }
  return json::dump(list);
}

}  // namespace
}  // namespace mer::train

using namespace mer::train;

extern "C" mer_train_status mer_train_models(char* buffer, int64_t capacity, int64_t* length) {
  return guarded([&] { write_text(models_json(), buffer, capacity, length); });
}

extern "C" mer_train_status mer_trainer_create(const char* model, const char* model_config_json,
                                               const char* train_config_json, mer_trainer** out) {
  return guarded([&] {
    need(out, "out") = nullptr;
    auto model_config = json::parse(model_config_json ? model_config_json : "{}", "model config");
    auto config = TrainConfig::parse(std::string(train_config_json ? train_config_json : "{}"));
    auto trainer = std::make_unique<Trainer>(std::string(&need(model, "model")), model_config, std::move(config));
    *out = new mer_trainer{std::move(trainer)};
  });
}

extern "C" mer_train_status mer_trainer_load(const char* path, const char* train_overrides_json, mer_trainer** out) {
  return guarded([&] {
    need(out, "out") = nullptr;
    auto trainer = Trainer::load(&need(path, "path"), train_overrides_json ? train_overrides_json : "");
    *out = new mer_trainer{std::move(trainer)};
  });
}

extern "C" void mer_trainer_destroy(mer_trainer* trainer) { delete trainer; }

extern "C" mer_train_status mer_trainer_describe(mer_trainer* trainer, char* buffer, int64_t capacity, int64_t* length) {
  return guarded([&] { write_text(trainer_of(trainer).describe(), buffer, capacity, length); });
}

extern "C" mer_train_status mer_trainer_epoch(mer_trainer* trainer, int32_t* epoch) {
  return guarded([&] { need(epoch, "epoch") = static_cast<int32_t>(trainer_of(trainer).epoch()); });
}

extern "C" mer_train_status mer_trainer_fit(mer_trainer* trainer, const mer_train_input* inputs, int32_t input_count,
                                            const int64_t* labels, const float* weights, const char* checkpoint_path,
                                            mer_train_progress_fn progress, void* user) {
  return guarded([&] {
    auto& t = trainer_of(trainer);
    auto data = wrap(inputs, input_count, &need(labels, "labels"), weights);
    ProgressFn report;
    if (progress) report = [&](const mer_train_progress& p) { return progress(&p, user) == 0; };
    t.fit(data, checkpoint_path ? checkpoint_path : "", report);
  });
}

extern "C" mer_train_status mer_trainer_predict(mer_trainer* trainer, const mer_train_input* inputs, int32_t input_count,
                                                float* out, int64_t capacity) {
  return guarded([&] { copy_out(trainer_of(trainer).predict(wrap(inputs, input_count, nullptr, nullptr)), out, capacity); });
}

extern "C" mer_train_status mer_trainer_features(mer_trainer* trainer, const mer_train_input* inputs, int32_t input_count,
                                                 float* out, int64_t capacity) {
  return guarded([&] { copy_out(trainer_of(trainer).features(wrap(inputs, input_count, nullptr, nullptr)), out, capacity); });
}

extern "C" mer_train_status mer_trainer_save(mer_trainer* trainer, const char* path) {
  return guarded([&] { trainer_of(trainer).save(&need(path, "path")); });
}

extern "C" mer_train_status mer_trainer_benchmark(mer_trainer* trainer, const mer_train_input* inputs, int32_t input_count,
                                                  const int64_t* labels, int32_t repeats, mer_train_bench* out) {
  return guarded([&] {
    auto& result = need(out, "out");
    auto bench = trainer_of(trainer).benchmark(wrap(inputs, input_count, &need(labels, "labels"), nullptr), repeats);
    result.trainer_seconds = bench.trainer_seconds;
    result.raw_seconds = bench.raw_seconds;
    result.steps = bench.steps;
    result.threads = static_cast<int32_t>(torch::get_num_threads());
  });
}

extern "C" mer_train_status mer_trainer_export_weights(mer_trainer* trainer, const char* path) {
  return guarded([&] {
    const auto& model = trainer_of(trainer).model();
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& p : model.named_parameters()) tensors.emplace_back(p.key(), p.value().detach().cpu().contiguous());
    for (const auto& b : model.named_buffers()) tensors.emplace_back(b.key(), b.value().detach().cpu().contiguous());
    auto header = json::Value::make_object();
    int64_t offset = 0;
    for (const auto& [name, t] : tensors) {
      auto entry = json::Value::make_object();
      entry.set("dtype", json::Value::of(t.scalar_type() == torch::kLong ? "I64" : "F32"));
      auto shape = json::Value::make_array();
      for (auto d : t.sizes()) shape.push(json::Value::of(d));
      entry.set("shape", shape);
      auto bytes = t.numel() * static_cast<int64_t>(t.element_size());
      auto offsets = json::Value::make_array();
      offsets.push(json::Value::of(offset));
      offsets.push(json::Value::of(offset + bytes));
      entry.set("data_offsets", offsets);
      header.set(name, entry);
      offset += bytes;
    }
    auto text = json::dump(header);
    std::ofstream file(&need(path, "path"), std::ios::binary);
    if (!file) throw Error(MER_TRAIN_ERR_IO, std::string("cannot write ") + path);
    uint64_t size = text.size();
    for (int i = 0; i < 8; ++i) file.put(static_cast<char>((size >> (8 * i)) & 0xff));
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, t] : tensors) {
      auto f = t.scalar_type() == torch::kLong ? t : t.to(torch::kFloat);
      file.write(static_cast<const char*>(f.data_ptr()), static_cast<std::streamsize>(f.numel() * f.element_size()));
    }
    if (!file) throw Error(MER_TRAIN_ERR_IO, std::string("cannot write ") + path);
  });
}
