// Landmark geometry shared by alignment and the AU regions (dlib's 68-point layout, 0-based).
#pragma once
#include "buffers.hpp"

#include <opencv2/core.hpp>

#include <cmath>
#include <vector>

namespace mer {

constexpr int kLandmarkCount = 68;

inline std::vector<cv::Point2f> landmark_points(const float* landmarks) {
  require_pointer(landmarks, "landmarks");
  std::vector<cv::Point2f> points(kLandmarkCount);
  for (int i = 0; i < kLandmarkCount; ++i) points[i] = {landmarks[2 * i], landmarks[2 * i + 1]};
  return points;
}

inline void write_points(const std::vector<cv::Point2f>& points, float* out) {
  for (size_t i = 0; i < points.size(); ++i) {
    out[2 * i] = points[i].x;
    out[2 * i + 1] = points[i].y;
  }
}

// Mean of landmarks [first, last].
inline cv::Point2f centroid(const std::vector<cv::Point2f>& points, int first, int last) {
  cv::Point2f sum(0, 0);
  for (int i = first; i <= last; ++i) sum += points[i];
  return sum * (1.0f / static_cast<float>(last - first + 1));
}

// The similarity (rotation, uniform scale, translation) taking p1 -> q1 and p2 -> q2.
inline cv::Matx23d similarity(cv::Point2d p1, cv::Point2d p2, cv::Point2d q1, cv::Point2d q2) {
  const cv::Point2d dp = p2 - p1, dq = q2 - q1;
  const double length = std::hypot(dp.x, dp.y);
  require(length > 1e-6, "the two reference landmarks coincide");
  const double scale = std::hypot(dq.x, dq.y) / length;
  const double angle = std::atan2(dq.y, dq.x) - std::atan2(dp.y, dp.x);
  const double a = scale * std::cos(angle), b = scale * std::sin(angle);
  return {a, -b, q1.x - (a * p1.x - b * p1.y), b, a, q1.y - (b * p1.x + a * p1.y)};
}

inline std::vector<cv::Point2f> transform_points(const std::vector<cv::Point2f>& points, const cv::Matx23d& m) {
  std::vector<cv::Point2f> out(points.size());
  for (size_t i = 0; i < points.size(); ++i)
    out[i] = cv::Point2f(static_cast<float>(m(0, 0) * points[i].x + m(0, 1) * points[i].y + m(0, 2)),
                         static_cast<float>(m(1, 0) * points[i].x + m(1, 1) * points[i].y + m(1, 2)));
  return out;
}

}  // namespace mer
