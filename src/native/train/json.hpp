// A small JSON reader/writer for the configuration strings that cross the C ABI (flat objects of numbers,
// strings and booleans, with room for nesting). Kept in-house so the library needs nothing beyond libtorch.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mer::train::json {

struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;  // keeps the writer's key order

  static Value of(bool b);
  static Value of(double n);
  static Value of(int64_t n) { return of(static_cast<double>(n)); }
  static Value of(int n) { return of(static_cast<double>(n)); }
  static Value of(std::string s);
  static Value of(const char* s) { return of(std::string(s)); }
  static Value make_object();
  static Value make_array();

  const Value* find(std::string_view key) const;
  void set(std::string key, Value value);  // replaces an existing key in place
  void push(Value value) { array.push_back(std::move(value)); }
};

// Parses `text`; a syntax error names `what` and the byte offset (MER_TRAIN_ERR_ARGUMENT).
Value parse(std::string_view text, const std::string& what);
std::string dump(const Value& value);

const char* kind_name(Value::Kind kind);

}  // namespace mer::train::json
