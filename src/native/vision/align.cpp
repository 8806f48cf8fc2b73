// Clip alignment by the inner eye corners of the first frame (MSMMT and the other seeds' preprocessing).
#include "geometry.hpp"
#include "mer_vision.h"

#include <opencv2/imgproc.hpp>

namespace {

// Where the inner eye corners land in a size x size output, as fractions of size. From dlib's mean face shape the
// inner corners are about 0.31 of the brow-to-brow width apart and the chin lies about 3.6 corner distances below
// them; corners 0.24 * size apart at 0.24 * size from the top frame the face from just above the brows to just
// below the chin, cheek to cheek (checked on the astronaut portrait's preview).
constexpr double kRightInnerCornerX = 0.38;  // landmark 39, image left
constexpr double kLeftInnerCornerX = 0.62;   // landmark 42, image right
constexpr double kInnerCornersY = 0.24;

}  // namespace

extern "C" mer_status mer_align_clip(const mer_image* frames, int32_t count, const float* first_frame_landmarks,
                                     int32_t size, mer_image* out, float* aligned_landmarks) {
  return mer::guarded([&] {
    const auto views = mer::clip_views(frames, count, 1);
    const auto points = mer::landmark_points(first_frame_landmarks);
    mer::require_pointer(out, "out");
    mer::require_pointer(aligned_landmarks, "aligned_landmarks");
    mer::require(size >= 16, "aligned size must be >= 16, got " + std::to_string(size));

    const cv::Matx23d transform =
        mer::similarity(points[39], points[42], {kRightInnerCornerX * size, kInnerCornersY * size},
                        {kLeftInnerCornerX * size, kInnerCornersY * size});
    for (int32_t k = 0; k < count; ++k) {
      cv::Mat target;
      try {
        target = mer::output_view(out[k], size, size, frames[0].channels, "aligned frame");
      } catch (const mer::Error& e) {
        throw mer::Error(e.status, "output " + std::to_string(k) + ": " + e.what());
      }
      cv::warpAffine(views[k], target, cv::Mat(transform), target.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    }
    mer::write_points(mer::transform_points(points, transform), aligned_landmarks);
  });
}

extern "C" mer_status mer_align_canonical_eye_corners(int32_t size, float* corners) {
  return mer::guarded([&] {
    mer::require_pointer(corners, "corners");
    corners[0] = static_cast<float>(kRightInnerCornerX * size);
    corners[1] = static_cast<float>(kInnerCornersY * size);
    corners[2] = static_cast<float>(kLeftInnerCornerX * size);
    corners[3] = static_cast<float>(kInnerCornersY * size);
  });
}
