// Resizing and colour conversion of caller buffers (8-bit images and float planes such as flow or strain).
#include "buffers.hpp"
#include "mer_vision.h"

#include <opencv2/imgproc.hpp>

namespace {

// Area averaging when shrinking (no aliasing of fine motion), bilinear when growing.
int interpolation_for(int from_height, int from_width, int to_height, int to_width) {
  return (to_height < from_height && to_width < from_width) ? cv::INTER_AREA : cv::INTER_LINEAR;
}

}  // namespace

extern "C" mer_status mer_image_resize(const uint8_t* image, int32_t height, int32_t width, int32_t channels,
                                       uint8_t* out, int32_t out_height, int32_t out_width) {
  return mer::guarded([&] {
    const cv::Mat source = mer::image_view(image, height, width, channels, "image");
    cv::Mat target = mer::image_view(out, out_height, out_width, channels, "out");
    cv::resize(source, target, target.size(), 0, 0, interpolation_for(height, width, out_height, out_width));
  });
}

extern "C" mer_status mer_float_resize(const float* data, int32_t height, int32_t width, int32_t channels, float* out,
                                       int32_t out_height, int32_t out_width) {
  return mer::guarded([&] {
    mer::require(channels >= 1 && channels <= 4, "channels must be 1..4, got " + std::to_string(channels));
    mer::require_pointer(data, "data");
    mer::require_pointer(out, "out");
    mer::require_size(height, width);
    mer::require_size(out_height, out_width);
    const cv::Mat source(height, width, CV_MAKETYPE(CV_32F, channels), const_cast<float*>(data));
    cv::Mat target(out_height, out_width, CV_MAKETYPE(CV_32F, channels), out);
    cv::resize(source, target, target.size(), 0, 0, interpolation_for(height, width, out_height, out_width));
  });
}

extern "C" mer_status mer_image_to_gray(const uint8_t* image, int32_t height, int32_t width, uint8_t* gray) {
  return mer::guarded([&] {
    const cv::Mat source = mer::image_view(image, height, width, 3, "image");
    cv::Mat target = mer::image_view(gray, height, width, 1, "gray");
    cv::cvtColor(source, target, cv::COLOR_BGR2GRAY);
  });
}
