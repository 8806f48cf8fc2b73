// The MobileViT-SVM seed's face: grayscale, rotated so the eye line is horizontal, cropped square, eyes masked.
#include "geometry.hpp"
#include "mer_vision.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace {

// The crop is the rotated landmarks' bounding square grown by this fraction on each side.
constexpr double kCropMargin = 0.05;
// Each eye is covered by an ellipse about its landmark centroid: half-axes as fractions of that eye's corner-to-corner width.
constexpr double kMaskHalfWidth = 0.8;
constexpr double kMaskHalfHeight = 0.5;

}  // namespace

extern "C" mer_status mer_align_eye_level(const uint8_t* image, int32_t height, int32_t width, int32_t channels,
                                          const float* landmarks, int32_t size, int32_t mask_eyes, uint8_t* out,
                                          float* aligned_landmarks) {
  return mer::guarded([&] {
    const cv::Mat source = mer::image_view(image, height, width, channels, "image");
    const auto points = mer::landmark_points(landmarks);
    mer::require(size >= 16, "output size must be >= 16, got " + std::to_string(size));
    cv::Mat target = mer::image_view(out, size, size, 1, "out");
    mer::require_pointer(aligned_landmarks, "aligned_landmarks");

    const cv::Point2f right_eye = mer::centroid(points, 36, 41), left_eye = mer::centroid(points, 42, 47);
    const cv::Point2f middle = (right_eye + left_eye) * 0.5f;
    const double angle_deg = std::atan2(left_eye.y - right_eye.y, left_eye.x - right_eye.x) * 180.0 / CV_PI;
    const cv::Matx23d rotation = cv::getRotationMatrix2D(middle, angle_deg, 1.0);

    const auto rotated = mer::transform_points(points, rotation);
    const cv::Rect2f bounds = cv::boundingRect(rotated);
    const double side = std::max(bounds.width, bounds.height) * (1.0 + 2.0 * kCropMargin);
    const double scale = size / side;
    const cv::Point2d centre(bounds.x + bounds.width / 2.0, bounds.y + bounds.height / 2.0);
    // Scale about the square's centre and move it to the output's centre, after the rotation.
    const cv::Matx33d crop(scale, 0, size / 2.0 - scale * centre.x, 0, scale, size / 2.0 - scale * centre.y, 0, 0, 1);
    const cv::Matx33d rotation3(rotation(0, 0), rotation(0, 1), rotation(0, 2), rotation(1, 0), rotation(1, 1),
                                rotation(1, 2), 0, 0, 1);
    const cv::Matx33d full = crop * rotation3;
    const cv::Matx23d transform(full(0, 0), full(0, 1), full(0, 2), full(1, 0), full(1, 1), full(1, 2));

    cv::Mat gray;
    if (channels == 3)
      cv::cvtColor(source, gray, cv::COLOR_BGR2GRAY);
    else
      gray = source;
    cv::warpAffine(gray, target, cv::Mat(transform), target.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);

    const auto aligned = mer::transform_points(points, transform);
    if (mask_eyes) {
      for (int first : {36, 42}) {
        const cv::Point2f centre_eye = mer::centroid(aligned, first, first + 5);
        const double eye_width = cv::norm(aligned[first + 3] - aligned[first]);
        const cv::Size axes(static_cast<int>(std::lround(kMaskHalfWidth * eye_width)),
                            static_cast<int>(std::lround(kMaskHalfHeight * eye_width)));
        cv::ellipse(target, centre_eye, axes, 0.0, 0.0, 360.0, cv::Scalar(0), cv::FILLED, cv::LINE_AA);
      }
    }
    mer::write_points(aligned, aligned_landmarks);
  });
}
