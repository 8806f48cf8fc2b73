// Views of the caller's buffers as cv::Mat headers (no copies), with the argument checks every entry point needs.
#pragma once
#include "status.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mer {

inline void require(bool condition, const std::string& message) {
  if (!condition) throw Error(MER_ERR_ARGUMENT, message);
}

inline void require_pointer(const void* pointer, const char* name) {
  require(pointer != nullptr, std::string(name) + " is null");
}

inline void require_size(int32_t height, int32_t width) {
  require(height > 0 && width > 0,
          "image size must be positive, got " + std::to_string(height) + "x" + std::to_string(width));
}

inline int image_type(int32_t channels) {
  require(channels == 1 || channels == 3, "channels must be 1 (gray) or 3 (BGR), got " + std::to_string(channels));
  return channels == 1 ? CV_8UC1 : CV_8UC3;
}

// The library never writes through an input view; cv::Mat simply has no const-data constructor.
inline cv::Mat image_view(const uint8_t* data, int32_t height, int32_t width, int32_t channels, const char* name) {
  require_pointer(data, name);
  require_size(height, width);
  return cv::Mat(height, width, image_type(channels), const_cast<uint8_t*>(data));
}

inline cv::Mat image_view(uint8_t* data, int32_t height, int32_t width, int32_t channels, const char* name) {
  return image_view(static_cast<const uint8_t*>(data), height, width, channels, name);
}

inline cv::Mat flow_view(const float* data, int32_t height, int32_t width, const char* name) {
  require_pointer(data, name);
  require_size(height, width);
  return cv::Mat(height, width, CV_32FC2, const_cast<float*>(data));
}

inline cv::Mat flow_view(float* data, int32_t height, int32_t width, const char* name) {
  return flow_view(static_cast<const float*>(data), height, width, name);
}

inline cv::Mat plane_view(float* data, int32_t height, int32_t width, const char* name) {
  require_pointer(data, name);
  require_size(height, width);
  return cv::Mat(height, width, CV_32FC1, data);
}

// Views of a clip's frames; every frame must match frame 0's size and channels, else the error names the frame.
inline std::vector<cv::Mat> clip_views(const mer_image* frames, int32_t count, int32_t minimum_count) {
  require_pointer(frames, "frames");
  require(count >= minimum_count, "a clip needs at least " + std::to_string(minimum_count) + " frame(s), got " +
                                      std::to_string(count));
  std::vector<cv::Mat> views;
  views.reserve(count);
  for (int32_t k = 0; k < count; ++k) {
    const mer_image& f = frames[k];
    if (f.data == nullptr) throw Error(MER_ERR_ARGUMENT, "frame " + std::to_string(k) + " has no pixels", k);
    if (k > 0 && (f.height != frames[0].height || f.width != frames[0].width || f.channels != frames[0].channels))
      throw Error(MER_ERR_ARGUMENT,
                  "frame " + std::to_string(k) + " is " + std::to_string(f.width) + "x" + std::to_string(f.height) +
                      "x" + std::to_string(f.channels) + " but frame 0 is " + std::to_string(frames[0].width) + "x" +
                      std::to_string(frames[0].height) + "x" + std::to_string(frames[0].channels),
                  k);
    try {
      views.push_back(image_view(f.data, f.height, f.width, f.channels, "frame"));
    } catch (const Error& e) {
      throw Error(e.status, "frame " + std::to_string(k) + ": " + e.what(), k);
    }
  }
  return views;
}

// A caller's output image, checked against the size the result will have.
inline cv::Mat output_view(const mer_image& out, int32_t height, int32_t width, int32_t channels, const char* name) {
  require(out.height == height && out.width == width && out.channels == channels,
          std::string(name) + " must be " + std::to_string(width) + "x" + std::to_string(height) + "x" +
              std::to_string(channels) + ", got " + std::to_string(out.width) + "x" + std::to_string(out.height) +
              "x" + std::to_string(out.channels));
  return image_view(out.data, out.height, out.width, out.channels, name);
}

// Copies src into a caller's view, checking that the shapes agree (a mismatch is our bug, not the caller's).
inline void copy_into(const cv::Mat& src, cv::Mat& dst) {
  if (src.size() != dst.size() || src.type() != dst.type())
    throw Error(MER_ERR_INTERNAL, "result shape does not match the output buffer");
  src.copyTo(dst);
}

}  // namespace mer
