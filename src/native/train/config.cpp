#include "config.hpp"

#include <cmath>
#include <sstream>

#include "status.hpp"

namespace mer::train {

ConfigReader::ConfigReader(const json::Value& object, std::string what) : object_(object), what_(std::move(what)) {
  if (object_.kind != json::Value::Kind::Object)
    throw Error(MER_TRAIN_ERR_ARGUMENT, what_ + ": expected a JSON object, got " + json::kind_name(object_.kind));
}

void ConfigReader::fail(const std::string& key, const std::string& why) const {
  throw Error(MER_TRAIN_ERR_ARGUMENT, what_ + ": key '" + key + "' " + why);
}

const json::Value* ConfigReader::take(const std::string& key, json::Value::Kind kind) {
  read_.insert(key);
  const json::Value* v = object_.find(key);
  if (!v || v->kind == json::Value::Kind::Null) return nullptr;
  if (v->kind != kind) fail(key, std::string("must be ") + json::kind_name(kind) + ", got " + json::kind_name(v->kind));
  return v;
}

double ConfigReader::number(const std::string& key, double fallback, double min, double max) {
  const json::Value* v = take(key, json::Value::Kind::Number);
  double n = v ? v->number : fallback;
  if (!(n >= min && n <= max)) {
    std::ostringstream why;
    why << "must be in [" << min << ", " << max << "], got " << n;
    fail(key, why.str());
  }
  resolved_.set(key, json::Value::of(n));
  return n;
}

int64_t ConfigReader::integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  const json::Value* v = take(key, json::Value::Kind::Number);
  if (v && v->number != std::floor(v->number)) fail(key, "must be a whole number, got " + json::dump(*v));
  int64_t n = v ? static_cast<int64_t>(v->number) : fallback;
  if (n < min || n > max)
    fail(key, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + std::to_string(n));
  resolved_.set(key, json::Value::of(n));
  return n;
}

bool ConfigReader::boolean(const std::string& key, bool fallback) {
  const json::Value* v = take(key, json::Value::Kind::Bool);
  bool b = v ? v->boolean : fallback;
  resolved_.set(key, json::Value::of(b));
  return b;
}

std::string ConfigReader::choice(const std::string& key, const std::string& fallback,
                                 std::initializer_list<const char*> allowed) {
  std::string s = text(key, fallback);
  std::string names;
  for (const char* a : allowed) {
    if (s == a) return s;
    names += names.empty() ? a : std::string(", ") + a;
  }
  fail(key, "must be one of " + names + ", got '" + s + "'");
}

std::string ConfigReader::text(const std::string& key, const std::string& fallback) {
  const json::Value* v = take(key, json::Value::Kind::String);
  std::string s = v ? v->string : fallback;
  resolved_.set(key, json::Value::of(s));
  return s;
}

void ConfigReader::finish() const {
  for (const auto& [key, value] : object_.object) {
    if (read_.count(key)) continue;
    std::string known;
    for (const auto& k : read_) known += known.empty() ? k : ", " + k;
    throw Error(MER_TRAIN_ERR_ARGUMENT, what_ + ": unknown key '" + key + "' (known keys: " + known + ")");
  }
}

TrainConfig TrainConfig::parse(const json::Value& object) {
  ConfigReader r(object, "training config");
  TrainConfig c;
  c.optimizer = r.choice("optimizer", c.optimizer, {"adam", "adamw", "sgd"});
  c.learning_rate = r.number("learning_rate", c.learning_rate, 0, 10);
  c.weight_decay = r.number("weight_decay", c.weight_decay, 0, 10);
  c.momentum = r.number("momentum", c.momentum, 0, 1);
  c.schedule = r.choice("schedule", c.schedule, {"none", "cosine"});
  c.epochs = r.integer("epochs", c.epochs, 0, 1000000);
  c.batch_size = r.integer("batch_size", c.batch_size, 1, 1 << 20);
  c.seed = r.integer("seed", c.seed, 0, (int64_t{1} << 53));
  c.threads = r.integer("threads", c.threads, 0, 1024);
  c.device = r.text("device", c.device);
  c.rotation_degrees = r.number("rotation_degrees", c.rotation_degrees, 0, 180);
  c.horizontal_flip = r.boolean("horizontal_flip", c.horizontal_flip);
  c.scale_jitter = r.number("scale_jitter", c.scale_jitter, 0, 0.9);
  c.class_balanced = r.boolean("class_balanced", c.class_balanced);
  c.checkpoint_every = r.integer("checkpoint_every", c.checkpoint_every, 0, 1000000);
  r.finish();
  c.json = r.resolved();
  return c;
}

TrainConfig TrainConfig::parse(const std::string& text) {
  return parse(json::parse(text.empty() ? "{}" : text, "training config"));
}

}  // namespace mer::train
