#include "status.hpp"

#include <torch/version.h>

namespace mer::train {
namespace {
thread_local std::string t_last_error;
}
void set_last_error(std::string message) { t_last_error = std::move(message); }
}  // namespace mer::train

extern "C" const char* mer_train_last_error(void) { return mer::train::t_last_error.c_str(); }

extern "C" const char* mer_train_version(void) { return "mer_train 0.1 (libtorch " TORCH_VERSION ")"; }
