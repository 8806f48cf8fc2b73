// The Middlebury flow colour code with its 55-hue wheel, as MJFN uses it (seed 003, eq. 5-6).
#include "buffers.hpp"
#include "mer_vision.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace {

// Hues per segment of the wheel: red-yellow, yellow-green, green-cyan, cyan-blue, blue-magenta, magenta-red.
constexpr int kSegments[6] = {15, 6, 4, 11, 13, 6};
constexpr int kHues = 55;

using Rgb = std::array<float, 3>;

std::array<Rgb, kHues> make_wheel() {
  std::array<Rgb, kHues> wheel{};
  // Each segment ramps one channel up (or down) while the others hold, exactly as Middlebury's makeColorwheel.
  constexpr int kRamp[6] = {1, 0, 2, 1, 0, 2};     // channel that changes in each segment
  constexpr bool kRising[6] = {true, false, true, false, true, false};
  Rgb colour = {255, 0, 0};
  int k = 0;
  for (int s = 0; s < 6; ++s) {
    for (int i = 0; i < kSegments[s]; ++i, ++k) {
      const float step = std::floor(255.0f * i / kSegments[s]);
      colour[kRamp[s]] = kRising[s] ? step : 255.0f - step;
      wheel[k] = colour;
    }
    colour[kRamp[s]] = kRising[s] ? 255.0f : 0.0f;
  }
  return wheel;
}

const std::array<Rgb, kHues>& wheel() {
  static const std::array<Rgb, kHues> w = make_wheel();
  return w;
}

}  // namespace

extern "C" mer_status mer_flow_color_wheel(uint8_t* rgb, int32_t capacity_hues, int32_t* hues) {
  return mer::guarded([&] {
    mer::require_pointer(hues, "hues");
    *hues = kHues;
    if (rgb == nullptr || capacity_hues < kHues) return;
    for (int k = 0; k < kHues; ++k)
      for (int c = 0; c < 3; ++c) rgb[3 * k + c] = static_cast<uint8_t>(wheel()[k][c]);
  });
}

extern "C" mer_status mer_flow_color(const float* flow, int32_t height, int32_t width, uint8_t* bgr) {
  return mer::guarded([&] {
    const cv::Mat field = mer::flow_view(flow, height, width, "flow");
    cv::Mat out = mer::image_view(bgr, height, width, 3, "bgr");
    float max_radius = 0.0f;
    for (int y = 0; y < height; ++y) {
      const auto* f = field.ptr<cv::Vec2f>(y);
      for (int x = 0; x < width; ++x) {
        mer::require(std::isfinite(f[x][0]) && std::isfinite(f[x][1]),
                     "flow is not finite at (" + std::to_string(x) + ", " + std::to_string(y) + ")");
        max_radius = std::max(max_radius, std::hypot(f[x][0], f[x][1]));
      }
    }
    // MJFN normalises by the image's largest magnitude; a still image (all zero) stays white.
    const float normaliser = max_radius > 0 ? 1.0f / max_radius : 0.0f;
    const auto& w = wheel();
    for (int y = 0; y < height; ++y) {
      const auto* f = field.ptr<cv::Vec2f>(y);
      auto* o = out.ptr<cv::Vec3b>(y);
      for (int x = 0; x < width; ++x) {
        const float u = f[x][0] * normaliser, v = f[x][1] * normaliser;
        const float radius = std::min(1.0f, std::hypot(u, v));
        // Middlebury's convention: a = atan2(-v, -u) / pi maps right to hue 0 (red), down to yellow, left to
        // cyan-blue and up to blue-magenta (v grows downwards).
        const float a = std::atan2(-v, -u) / static_cast<float>(CV_PI);
        const float fk = (a + 1.0f) / 2.0f * (kHues - 1);
        const int k0 = std::min(static_cast<int>(std::floor(fk)), kHues - 1);
        const int k1 = (k0 + 1) % kHues;
        const float t = fk - k0;
        for (int c = 0; c < 3; ++c) {
          const float colour = ((1 - t) * w[k0][c] + t * w[k1][c]) / 255.0f;
          const float saturated = 1.0f - radius * (1.0f - colour);
          o[x][2 - c] = static_cast<uint8_t>(std::floor(255.0f * saturated));
        }
      }
    }
  });
}
