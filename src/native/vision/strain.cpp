// Optical strain magnitude: sqrt(u_x^2 + v_y^2 + 0.5 * (u_y + v_x)^2), derivatives by central differences.
#include "buffers.hpp"
#include "mer_vision.h"

#include <algorithm>
#include <cmath>

namespace {

// Central difference inside, one-sided at the edges (exact for linear fields everywhere); 0 for a 1-pixel extent.
inline float derivative(float before, float after, int steps) { return steps == 0 ? 0.0f : (after - before) / steps; }

}  // namespace

extern "C" mer_status mer_optical_strain(const float* flow, int32_t height, int32_t width, float* strain) {
  return mer::guarded([&] {
    const cv::Mat field = mer::flow_view(flow, height, width, "flow");
    cv::Mat out = mer::plane_view(strain, height, width, "strain");
    for (int y = 0; y < height; ++y) {
      const int y0 = std::max(y - 1, 0), y1 = std::min(y + 1, height - 1);
      const auto* up = field.ptr<cv::Vec2f>(y0);
      const auto* row = field.ptr<cv::Vec2f>(y);
      const auto* down = field.ptr<cv::Vec2f>(y1);
      auto* s = out.ptr<float>(y);
      for (int x = 0; x < width; ++x) {
        const int x0 = std::max(x - 1, 0), x1 = std::min(x + 1, width - 1);
        const float u_x = derivative(row[x0][0], row[x1][0], x1 - x0);
        const float v_x = derivative(row[x0][1], row[x1][1], x1 - x0);
        const float u_y = derivative(up[x][0], down[x][0], y1 - y0);
        const float v_y = derivative(up[x][1], down[x][1], y1 - y0);
        const float shear = u_y + v_x;
        s[x] = std::sqrt(u_x * u_x + v_y * v_y + 0.5f * shear * shear);
      }
    }
  });
}
