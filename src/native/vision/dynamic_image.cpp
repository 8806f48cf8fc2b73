// The dynamic image: approximate rank pooling of a clip's frames (Bilen et al.), then min-max to 0..255 (MSMMT).
#include "buffers.hpp"
#include "mer_vision.h"

#include <vector>

namespace {

// a_t = 2(T - t + 1) - (T + 1)(H_T - H_{t-1}), t = 1..T, H_n the n-th harmonic number (H_0 = 0).
std::vector<double> rank_pooling_coefficients(int count) {
  std::vector<double> harmonic(count + 1, 0.0);
  for (int n = 1; n <= count; ++n) harmonic[n] = harmonic[n - 1] + 1.0 / n;
  std::vector<double> a(count);
  for (int t = 1; t <= count; ++t)
    a[t - 1] = 2.0 * (count - t + 1) - (count + 1) * (harmonic[count] - harmonic[t - 1]);
  return a;
}

}  // namespace

extern "C" mer_status mer_rank_pooling_coefficients(int32_t count, double* coefficients) {
  return mer::guarded([&] {
    mer::require(count >= 1, "a clip needs at least 1 frame, got " + std::to_string(count));
    mer::require_pointer(coefficients, "coefficients");
    const auto a = rank_pooling_coefficients(count);
    std::copy(a.begin(), a.end(), coefficients);
  });
}

extern "C" mer_status mer_dynamic_image(const mer_image* frames, int32_t count, uint8_t* out) {
  return mer::guarded([&] {
    const auto views = mer::clip_views(frames, count, 2);
    cv::Mat target = mer::image_view(out, frames[0].height, frames[0].width, frames[0].channels, "out");
    const auto a = rank_pooling_coefficients(count);
    cv::Mat sum = cv::Mat::zeros(views[0].size(), CV_MAKETYPE(CV_32F, views[0].channels()));
    cv::Mat frame;
    for (int32_t t = 0; t < count; ++t) {
      views[t].convertTo(frame, CV_32F);
      cv::scaleAdd(frame, a[t], sum, sum);
    }
    // One range over all channels, so the colour balance of the pooled motion is kept.
    double low, high;
    cv::minMaxLoc(sum.reshape(1), &low, &high);
    const double scale = high > low ? 255.0 / (high - low) : 0.0;
    sum.convertTo(target, target.type(), scale, -low * scale);
  });
}
