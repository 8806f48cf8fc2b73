// Dense optical flow between two frames: TV-L1 (the seeds' method) and Farneback (a fast option).
#include "buffers.hpp"
#include "mer_vision.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/optflow.hpp>
#include <opencv2/video/tracking.hpp>

namespace {

cv::Mat to_gray(const cv::Mat& image) {
  if (image.channels() == 1) return image;
  cv::Mat gray;
  cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  return gray;
}

template <typename Compute>
mer_status flow_between(const mer_image* frames, float* flow, Compute&& compute) {
  return mer::guarded([&] {
    const auto views = mer::clip_views(frames, 2, 2);
    cv::Mat target = mer::flow_view(flow, frames[0].height, frames[0].width, "flow");
    cv::Mat result;
    compute(to_gray(views[0]), to_gray(views[1]), result);
    mer::copy_into(result, target);
  });
}

}  // namespace

extern "C" mer_status mer_flow_tvl1(const mer_image* frames, const mer_tvl1_params* params, float* flow) {
  return flow_between(frames, flow, [&](const cv::Mat& from, const cv::Mat& to, cv::Mat& result) {
    mer::require_pointer(params, "params");
    const auto& p = *params;
    mer::require(p.tau > 0 && p.lambda > 0 && p.theta > 0 && p.epsilon > 0, "tau, lambda, theta and epsilon must be > 0");
    mer::require(p.scale_step > 0 && p.scale_step < 1, "scale_step must be in (0, 1), got " + std::to_string(p.scale_step));
    mer::require(p.scales >= 1 && p.warps >= 1 && p.inner_iterations >= 1 && p.outer_iterations >= 1,
                 "scales, warps and iteration counts must be >= 1");
    mer::require(p.median_filtering >= 1 && p.median_filtering % 2 == 1,
                 "median_filtering must be an odd size >= 1 (1 = off), got " + std::to_string(p.median_filtering));
    // A fresh solver per call: DualTVL1OpticalFlow keeps per-call buffers, so sharing one would need a lock.
    auto solver = cv::optflow::DualTVL1OpticalFlow::create(p.tau, p.lambda, p.theta, p.scales, p.warps, p.epsilon,
                                                           p.inner_iterations, p.outer_iterations, p.scale_step, 0.0,
                                                           p.median_filtering);
    solver->calc(from, to, result);
  });
}

extern "C" mer_status mer_flow_farneback(const mer_image* frames, const mer_farneback_params* params, float* flow) {
  return flow_between(frames, flow, [&](const cv::Mat& from, const cv::Mat& to, cv::Mat& result) {
    mer::require_pointer(params, "params");
    const auto& p = *params;
    mer::require(p.pyramid_scale > 0 && p.pyramid_scale < 1, "pyramid_scale must be in (0, 1)");
    mer::require(p.levels >= 1 && p.window_size >= 3 && p.iterations >= 1, "levels, window_size and iterations out of range");
    mer::require(p.poly_n == 5 || p.poly_n == 7, "poly_n must be 5 or 7, got " + std::to_string(p.poly_n));
    cv::calcOpticalFlowFarneback(from, to, result, p.pyramid_scale, p.levels, p.window_size, p.iterations, p.poly_n,
                                 p.poly_sigma, 0);
  });
}
