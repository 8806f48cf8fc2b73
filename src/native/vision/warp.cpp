#include "buffers.hpp"
#include "mer_vision.h"

#include <opencv2/imgproc.hpp>

namespace mer {

// out(x, y) = image(x + u, y + v): the backward warp FRL-DGT's reconstruction loss and the tests use.
void remap_by_displacement(const cv::Mat& image, const cv::Mat& displacement, cv::Mat& out) {
  cv::Mat map(displacement.size(), CV_32FC2);
  for (int y = 0; y < displacement.rows; ++y) {
    const auto* d = displacement.ptr<cv::Vec2f>(y);
    auto* m = map.ptr<cv::Vec2f>(y);
    for (int x = 0; x < displacement.cols; ++x) m[x] = cv::Vec2f(x + d[x][0], y + d[x][1]);
  }
  cv::remap(image, out, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
}

}  // namespace mer

extern "C" mer_status mer_warp_remap(const uint8_t* image, int32_t height, int32_t width, int32_t channels,
                                     const float* displacement, uint8_t* out) {
  return mer::guarded([&] {
    const cv::Mat source = mer::image_view(image, height, width, channels, "image");
    const cv::Mat field = mer::flow_view(displacement, height, width, "displacement");
    cv::Mat target = mer::image_view(out, height, width, channels, "out");
    cv::Mat warped;
    mer::remap_by_displacement(source, field, warped);
    mer::copy_into(warped, target);
  });
}
