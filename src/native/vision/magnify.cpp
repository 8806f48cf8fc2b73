// Eulerian video magnification (Wu et al. 2012): Laplacian pyramid per frame, temporal band-pass per pixel and
// level, the band amplified and added back. MSMMT magnifies by 10 before computing motion features.
#include "buffers.hpp"
#include "mer_vision.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <vector>

namespace {

using Pyramid = std::vector<cv::Mat>;  // band-pass levels, finest first, then the low-pass residual

Pyramid laplacian_pyramid(const cv::Mat& image, int levels) {
  Pyramid pyramid;
  cv::Mat current = image;
  for (int level = 0; level < levels - 1; ++level) {
    cv::Mat down, up;
    cv::pyrDown(current, down);
    cv::pyrUp(down, up, current.size());
    pyramid.push_back(current - up);
    current = down;
  }
  pyramid.push_back(current);
  return pyramid;
}

cv::Mat collapse(const Pyramid& pyramid) {
  cv::Mat current = pyramid.back().clone();
  for (int level = static_cast<int>(pyramid.size()) - 2; level >= 0; --level) {
    cv::Mat up;
    cv::pyrUp(current, up, pyramid[level].size());
    current = up + pyramid[level];
  }
  return current;
}

// Keeps only the DFT bins whose frequency lies in [low, high] Hz, per pixel over time (an ideal band-pass).
void ideal_band_pass(std::vector<cv::Mat>& series, double fps, double low, double high) {
  const int count = static_cast<int>(series.size());
  const cv::Size size = series[0].size();
  const int values = static_cast<int>(series[0].total()) * series[0].channels();
  cv::Mat time_rows(values, count, CV_32F);  // one row per pixel value, one column per frame
  for (int t = 0; t < count; ++t) series[t].reshape(1, values).copyTo(time_rows.col(t));
  cv::Mat spectrum;
  cv::dft(time_rows, spectrum, cv::DFT_ROWS | cv::DFT_COMPLEX_OUTPUT);
  for (int k = 0; k < count; ++k) {
    const double frequency = std::min(k, count - k) * fps / count;
    if (frequency < low || frequency > high) spectrum.col(k).setTo(cv::Scalar::all(0));
  }
  cv::dft(spectrum, time_rows, cv::DFT_ROWS | cv::DFT_INVERSE | cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
  for (int t = 0; t < count; ++t)
    time_rows.col(t).clone().reshape(series[t].channels(), size.height).copyTo(series[t]);
}

// First-order Butterworth low-passes at both cut-offs (bilinear transform); their difference is the band.
void butterworth_band_pass(std::vector<cv::Mat>& series, double fps, double low, double high) {
  auto coefficients = [fps](double cutoff) {
    const double k = std::tan(CV_PI * cutoff / fps);
    return std::pair<double, double>{k / (1 + k), (k - 1) / (k + 1)};  // b0 = b1, a1
  };
  const auto [b_high, a_high] = coefficients(high);
  const auto [b_low, a_low] = coefficients(low);
  // Both filters start settled on the first frame, so a still clip gives no band at all.
  cv::Mat low_pass_high = series[0].clone(), low_pass_low = series[0].clone(), previous = series[0].clone();
  for (auto& frame : series) {
    const cv::Mat input = frame.clone();
    low_pass_high = b_high * (input + previous) - a_high * low_pass_high;
    low_pass_low = b_low * (input + previous) - a_low * low_pass_low;
    previous = input;
    frame = low_pass_high - low_pass_low;
  }
}

// EVM's per-level gain. Level wavelengths start at diag / 3 for the coarsest level and halve per finer level;
// with a cut-off lambda_c a level gets min(alpha, 2 * (lambda / delta / 8 - 1)), delta = lambda_c / 8 / (1 + alpha),
// so short wavelengths are not pushed past the first-order approximation (EVM's exaggeration factor 2 included).
// As in EVM, the finest band and the low-pass residual are never amplified (noise, and the mean intensity).
std::vector<double> level_gains(int levels, cv::Size size, double alpha, double lambda_c) {
  std::vector<double> gains(levels, 0.0);
  const double delta = lambda_c / 8.0 / (1.0 + alpha);
  double wavelength = std::hypot(size.width, size.height) / 3.0;
  for (int level = levels - 1; level >= 0; --level) {
    if (level > 0 && level < levels - 1)
      gains[level] = lambda_c <= 0 ? alpha : std::min(alpha, std::max(0.0, 2.0 * (wavelength / delta / 8.0 - 1.0)));
    wavelength /= 2.0;
  }
  return gains;
}

}  // namespace

extern "C" mer_status mer_magnify(const mer_image* frames, int32_t count, const mer_magnify_params* params,
                                  mer_image* out) {
  return mer::guarded([&] {
    const auto views = mer::clip_views(frames, count, 2);
    mer::require_pointer(params, "params");
    mer::require_pointer(out, "out");
    const auto& p = *params;
    mer::require(p.alpha >= 0, "alpha must be >= 0, got " + std::to_string(p.alpha));
    mer::require(p.fps > 0, "fps must be > 0, got " + std::to_string(p.fps));
    mer::require(p.low_hz >= 0 && p.high_hz > p.low_hz && p.high_hz <= p.fps / 2,
                 "need 0 <= low_hz < high_hz <= fps / 2, got " + std::to_string(p.low_hz) + ".." +
                     std::to_string(p.high_hz) + " Hz at " + std::to_string(p.fps) + " fps");
    mer::require(p.filter == MER_BAND_IDEAL || p.filter == MER_BAND_BUTTERWORTH, "filter must be 0 (ideal) or 1 (Butterworth)");
    const cv::Size size(frames[0].width, frames[0].height);
    const int max_levels = static_cast<int>(std::floor(std::log2(std::min(size.width, size.height)))) - 1;
    mer::require(p.levels >= 2 && p.levels <= std::max(2, max_levels),
                 "levels must be in 2.." + std::to_string(std::max(2, max_levels)) + " for a " +
                     std::to_string(size.width) + "x" + std::to_string(size.height) + " clip, got " +
                     std::to_string(p.levels));
    const bool colour = frames[0].channels == 3;
    std::vector<cv::Mat> outputs;
    for (int32_t k = 0; k < count; ++k) outputs.push_back(mer::output_view(out[k], size.height, size.width, frames[0].channels, "magnified frame"));

    // Magnify luminance fully and chrominance attenuated (EVM's YIQ trick, here in YCrCb).
    std::vector<Pyramid> pyramids(count);
    for (int32_t t = 0; t < count; ++t) {
      cv::Mat image;
      views[t].convertTo(image, CV_32F, 1.0 / 255.0);
      if (colour) cv::cvtColor(image, image, cv::COLOR_BGR2YCrCb);
      pyramids[t] = laplacian_pyramid(image, p.levels);
    }
    const auto gains = level_gains(p.levels, size, p.alpha, p.lambda_c);
    const cv::Scalar channel_gain = colour ? cv::Scalar(1.0, p.chroma_attenuation, p.chroma_attenuation) : cv::Scalar(1.0);
    for (int level = 0; level < p.levels; ++level) {
      if (gains[level] == 0.0) continue;
      std::vector<cv::Mat> band(count);
      for (int32_t t = 0; t < count; ++t) band[t] = pyramids[t][level].clone();
      if (p.filter == MER_BAND_IDEAL)
        ideal_band_pass(band, p.fps, p.low_hz, p.high_hz);
      else
        butterworth_band_pass(band, p.fps, p.low_hz, p.high_hz);
      for (int32_t t = 0; t < count; ++t) {
        cv::Mat amplified;
        cv::multiply(band[t], channel_gain * gains[level], amplified);
        pyramids[t][level] += amplified;
      }
    }
    for (int32_t t = 0; t < count; ++t) {
      cv::Mat image = collapse(pyramids[t]);
      if (colour) cv::cvtColor(image, image, cv::COLOR_YCrCb2BGR);
      image.convertTo(outputs[t], outputs[t].type(), 255.0);
    }
  });
}
