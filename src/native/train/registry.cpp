#include "registry.hpp"

#include "model.hpp"
#include "models/entries.hpp"
#include "status.hpp"

namespace mer::train {

const std::vector<ModelEntry>& list_models() {
  static const std::vector<ModelEntry> entries = {
      models::ststnet(),
      models::mjfn(),
      models::msmmt(),
      models::mobilevit_svm(),
      models::frl_dgt(),
      models::mfvan(),
  };
  return entries;
}

std::shared_ptr<Model> create_model(const std::string& name, const json::Value& config, json::Value* resolved) {
  for (const auto& entry : list_models()) {
    if (entry.name != name) continue;
    ConfigReader reader(config, "model '" + name + "' config");
    auto model = entry.build(reader);
    reader.finish();
    if (resolved) *resolved = reader.resolved();
    return model;
  }
  std::string known;
  for (const auto& entry : list_models()) known += known.empty() ? entry.name : ", " + entry.name;
  throw Error(MER_TRAIN_ERR_ARGUMENT, "unknown model '" + name + "' (registered: " + known + ")");
}

json::Value describe_inputs(const Model& model) {
  auto inputs = json::Value::make_array();
  for (const auto& spec : model.inputs()) {
    auto i = json::Value::make_object();
    i.set("name", json::Value::of(spec.name));
    i.set("description", json::Value::of(spec.description));
    auto shape = json::Value::make_array();
    for (auto d : spec.shape) shape.push(json::Value::of(d));
    i.set("shape", shape);
    inputs.push(i);
  }
  return inputs;
}

}  // namespace mer::train
