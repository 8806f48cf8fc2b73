#include "mer_vision.h"
#include "status.hpp"

#include <opencv2/core.hpp>

namespace mer {
namespace {
thread_local std::string t_last_error;
thread_local int32_t t_last_error_frame = -1;
}  // namespace
void set_last_error(std::string message, int32_t frame) {
  t_last_error = std::move(message);
  t_last_error_frame = frame;
}
}  // namespace mer

extern "C" const char* mer_vision_last_error(void) { return mer::t_last_error.c_str(); }

extern "C" int32_t mer_vision_last_error_frame(void) { return mer::t_last_error_frame; }

extern "C" const char* mer_vision_version(void) { return "mer_vision 0.1 (OpenCV " CV_VERSION ")"; }

extern "C" mer_status mer_vision_set_threads(int32_t n) {
  return mer::guarded([&] {
    if (n < 1) throw mer::Error(MER_ERR_ARGUMENT, "threads must be >= 1, got " + std::to_string(n));
    cv::setNumThreads(n);
  });
}
