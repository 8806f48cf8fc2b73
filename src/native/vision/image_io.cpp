#include "buffers.hpp"
#include "mer_vision.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>

namespace {

int decode_flags(int32_t channels) {
  switch (channels) {
    case 0: return cv::IMREAD_ANYCOLOR;
    case 1: return cv::IMREAD_GRAYSCALE;
    case 3: return cv::IMREAD_COLOR;
    default:
      throw mer::Error(MER_ERR_ARGUMENT, "channels must be 0 (as stored), 1 or 3, got " + std::to_string(channels));
  }
}

bool has_known_extension(const std::string& path) {
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "bmp";
}

}  // namespace

extern "C" mer_status mer_image_read(const char* path, int32_t channels, uint8_t* out, int64_t capacity,
                                     int32_t* height, int32_t* width, int32_t* out_channels) {
  return mer::guarded([&] {
    mer::require_pointer(path, "path");
    mer::require_pointer(height, "height");
    mer::require_pointer(width, "width");
    mer::require_pointer(out_channels, "out_channels");
    const int flags = decode_flags(channels);
    if (!std::ifstream(path).good()) throw mer::Error(MER_ERR_IO, std::string(path) + ": file is missing or unreadable");
    cv::Mat image = cv::imread(path, flags);
    if (image.empty()) throw mer::Error(MER_ERR_IO, std::string(path) + ": not a decodable image");
    // ANYCOLOR keeps a 4-channel PNG as BGRA and ANYDEPTH is off, so only the alpha needs dropping.
    if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
    if (image.depth() != CV_8U) throw mer::Error(MER_ERR_IO, std::string(path) + ": not an 8-bit image");
    *height = image.rows;
    *width = image.cols;
    *out_channels = image.channels();
    const int64_t needed = static_cast<int64_t>(image.total()) * image.channels();
    if (out == nullptr || capacity < needed) return;
    cv::Mat view(image.rows, image.cols, image.type(), out);
    image.copyTo(view);
  });
}

extern "C" mer_status mer_image_write(const char* path, const uint8_t* image, int32_t height, int32_t width,
                                      int32_t channels) {
  return mer::guarded([&] {
    mer::require_pointer(path, "path");
    const cv::Mat view = mer::image_view(image, height, width, channels, "image");
    if (!has_known_extension(path))
      throw mer::Error(MER_ERR_IO, std::string(path) + ": unknown image extension (use .png, .jpg, .jpeg or .bmp)");
    bool written = false;
    try {
      written = cv::imwrite(path, view);
    } catch (const cv::Exception& e) {
      throw mer::Error(MER_ERR_IO, std::string(path) + ": " + e.what());
    }
    if (!written) throw mer::Error(MER_ERR_IO, std::string(path) + ": cannot be written");
  });
}
