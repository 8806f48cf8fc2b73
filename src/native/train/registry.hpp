// The model registry, timm-style: `list` and `create` are the only entry points. Adding an architecture means one
// file in models/ that defines its entry function and one line in registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "json.hpp"

namespace mer::train {

class Model;

struct ModelEntry {
  std::string name;
  std::string summary;  // one line: what the model is and where its settings come from
  // Builds the model, reading its keys from the reader (the registry checks for unknown keys afterwards).
  std::function<std::shared_ptr<Model>(ConfigReader&)> build;
};

const std::vector<ModelEntry>& list_models();

// Creates `name` from a JSON object of its settings; an unknown name or key is MER_TRAIN_ERR_ARGUMENT naming it.
// `resolved` (optional) receives the settings as read, defaults included.
std::shared_ptr<Model> create_model(const std::string& name, const json::Value& config, json::Value* resolved = nullptr);

// The model's inputs as JSON: [{"name", "description", "shape": [C, H, W]}, ...] (for `mer models` and trainer info).
json::Value describe_inputs(const Model& model);

}  // namespace mer::train
