// Turns C++ exceptions into a status code and this thread's last-error message at the C ABI boundary.
#pragma once
#include "mer_train.h"

#include <exception>
#include <stdexcept>
#include <string>

namespace mer::train {

struct Error : std::runtime_error {
  mer_train_status status;
  Error(mer_train_status s, const std::string& message) : std::runtime_error(message), status(s) {}
};

void set_last_error(std::string message);

template <typename F>
mer_train_status guarded(F&& body) noexcept {
  try {
    set_last_error({});
    body();
    return MER_TRAIN_OK;
  } catch (const Error& e) {
    set_last_error(e.what());
    return e.status;
  } catch (const std::exception& e) {
    set_last_error(e.what());
    return MER_TRAIN_ERR_INTERNAL;
  } catch (...) {
    set_last_error("unknown native error");
    return MER_TRAIN_ERR_INTERNAL;
  }
}

}  // namespace mer::train
