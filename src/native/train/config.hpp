// Reading configuration objects key by key: every value is checked where it is read, every key that no reader
// asked for is an error, and both name the key, so a typo in a YAML file surfaces as "unknown key 'learnig_rate'".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>

#include "json.hpp"

namespace mer::train {

class ConfigReader {
 public:
  // `what` opens every error message, e.g. "training config" or "model 'mjfn' config".
  ConfigReader(const json::Value& object, std::string what);

  double number(const std::string& key, double fallback, double min, double max);
  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  bool boolean(const std::string& key, bool fallback);
  std::string choice(const std::string& key, const std::string& fallback, std::initializer_list<const char*> allowed);
  std::string text(const std::string& key, const std::string& fallback);

  // Throws for the first key nobody read. Call after all reads.
  void finish() const;

  // The configuration as read, defaults included: what a checkpoint stores and describe() reports.
  const json::Value& resolved() const { return resolved_; }

 private:
  const json::Value& object_;
  std::string what_;
  std::set<std::string> read_;
  json::Value resolved_ = json::Value::make_object();

  const json::Value* take(const std::string& key, json::Value::Kind kind);
  [[noreturn]] void fail(const std::string& key, const std::string& why) const;
};

// The optimisation settings of one training run (keys as in the YAML `train:` section).
struct TrainConfig {
  std::string optimizer = "adam";  // adam | adamw | sgd
  double learning_rate = 1e-4;
  double weight_decay = 0;
  double momentum = 0.9;           // sgd only
  std::string schedule = "none";   // none | cosine (per epoch, to 0 at the last epoch)
  int64_t epochs = 10;
  int64_t batch_size = 32;
  int64_t seed = 0;
  int64_t threads = 0;             // 0: one per core
  std::string device = "cpu";      // cpu | cuda | cuda:N
  double rotation_degrees = 0;     // augmentation: uniform in [-d, d]; 0 = off
  bool horizontal_flip = false;    // augmentation: mirror half of the samples
  double scale_jitter = 0;         // augmentation: zoom uniform in [1-s, 1+s]; 0 = off
  bool class_balanced = false;     // draw each epoch's samples with probability 1/(class count)
  int64_t checkpoint_every = 0;    // epochs between automatic checkpoints during fit; 0 = only at the end

  json::Value json;                // as read, defaults included

  // Parses a JSON object string; unknown keys and out-of-range values are MER_TRAIN_ERR_ARGUMENT naming the key.
  static TrainConfig parse(const json::Value& object);
  static TrainConfig parse(const std::string& text);
};

}  // namespace mer::train
