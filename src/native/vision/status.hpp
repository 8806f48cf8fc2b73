// Turns C++ exceptions into a status code and this thread's last-error message at the C ABI boundary.
#pragma once
#include "mer_vision.h"

#include <exception>
#include <stdexcept>
#include <string>

namespace mer {

struct Error : std::runtime_error {
  mer_status status;
  int32_t frame;  // the clip frame the error is about, -1 when none
  Error(mer_status s, const std::string& message, int32_t frame_index = -1)
      : std::runtime_error(message), status(s), frame(frame_index) {}
};

void set_last_error(std::string message, int32_t frame = -1);

template <typename F>
mer_status guarded(F&& body) noexcept {
  try {
    set_last_error({});
    body();
    return MER_OK;
  } catch (const Error& e) {
    set_last_error(e.what(), e.frame);
    return e.status;
  } catch (const std::exception& e) {
    set_last_error(e.what());
    return MER_ERR_INTERNAL;
  } catch (...) {
    set_last_error("unknown native error");
    return MER_ERR_INTERNAL;
  }
}

}  // namespace mer
