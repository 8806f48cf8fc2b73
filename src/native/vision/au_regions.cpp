// The 9 AU regions of FRL-DGT (seed 001, Fig. 4) as boxes from dlib's 68 landmarks, and their crops.
// The paper derives them from the 43 ROIs of its reference [30] without listing coordinates; these boxes follow
// its description: #1 brows (split left/right), #2 between the brows, #3 eyes with lower lids (split), #4 nose,
// #5 mouth corners with cheeks (split), #6 mouth and chin. "Left"/"right" are image left/right.
// Margins are fractions of the distance d between the eye centres, so the boxes scale with the face.
#include "geometry.hpp"
#include "mer_vision.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <initializer_list>

namespace {

constexpr int kRegions = 9;

struct Span {
  float low, high;
};

Span xs(const std::vector<cv::Point2f>& p, std::initializer_list<int> indices) {
  Span s{1e9f, -1e9f};
  for (int i : indices) s = {std::min(s.low, p[i].x), std::max(s.high, p[i].x)};
  return s;
}

Span ys(const std::vector<cv::Point2f>& p, std::initializer_list<int> indices) {
  Span s{1e9f, -1e9f};
  for (int i : indices) s = {std::min(s.low, p[i].y), std::max(s.high, p[i].y)};
  return s;
}

cv::Rect2f box(Span x, Span y) { return {x.low, y.low, std::max(1.0f, x.high - x.low), std::max(1.0f, y.high - y.low)}; }

std::vector<cv::Rect2f> au_boxes(const std::vector<cv::Point2f>& p) {
  const float d = static_cast<float>(cv::norm(mer::centroid(p, 42, 47) - mer::centroid(p, 36, 41)));
  mer::require(d > 1.0f, "landmarks are degenerate (eye centres coincide)");
  const Span brow_y_left = ys(p, {17, 18, 19, 20, 21, 37, 38});
  const Span brow_y_right = ys(p, {22, 23, 24, 25, 26, 43, 44});
  const Span eye_y_left = ys(p, {36, 37, 38, 39, 40, 41});
  const Span eye_y_right = ys(p, {42, 43, 44, 45, 46, 47});
  const Span glabella_x = xs(p, {21, 22});
  const Span nose_x = xs(p, {31, 35, 39, 42});
  return {
      // #1 left, #1 right: brows and the skin above them down to the upper lids.
      box({xs(p, {17, 21}).low - 0.1f * d, xs(p, {17, 21}).high}, {brow_y_left.low - 0.3f * d, brow_y_left.high}),
      box({xs(p, {22, 26}).low, xs(p, {22, 26}).high + 0.1f * d}, {brow_y_right.low - 0.3f * d, brow_y_right.high}),
      // #2: between the brows (corrugator, AU4), from above the brows to the nose root.
      box({glabella_x.low - 0.2f * d, glabella_x.high + 0.2f * d}, {ys(p, {19, 24}).low - 0.3f * d, p[28].y}),
      // #3 left, #3 right: eye and lower lid (AU6/AU7).
      box({p[36].x - 0.15f * d, p[39].x + 0.1f * d}, {eye_y_left.low - 0.1f * d, eye_y_left.high + 0.35f * d}),
      box({p[42].x - 0.1f * d, p[45].x + 0.15f * d}, {eye_y_right.low - 0.1f * d, eye_y_right.high + 0.35f * d}),
      // #4: nose from its root to below the nostrils (AU9).
      box({nose_x.low - 0.05f * d, nose_x.high + 0.05f * d}, {p[27].y, p[33].y + 0.1f * d}),
      // #5 left, #5 right: mouth corner and cheek (AU12/AU14/AU15).
      box({p[48].x - 0.45f * d, p[48].x + 0.2f * d}, {p[29].y, p[48].y + 0.35f * d}),
      box({p[54].x - 0.2f * d, p[54].x + 0.45f * d}, {p[29].y, p[54].y + 0.35f * d}),
      // #6: mouth and chin (AU17/AU23/AU24/AU25).
      box({p[48].x - 0.1f * d, p[54].x + 0.1f * d}, {ys(p, {50, 51, 52}).low - 0.1f * d, p[8].y}),
  };
}

// Maps box -> size x size in one bilinear warp; parts of a box outside the image replicate the border.
void crop(const cv::Mat& source, const cv::Rect2f& region, cv::Mat& target) {
  const double sx = target.cols / static_cast<double>(region.width);
  const double sy = target.rows / static_cast<double>(region.height);
  // Pixel centres: output pixel i covers source x in region.x + [i, i+1) / sx.
  const cv::Matx23d transform(sx, 0, -region.x * sx + 0.5 * sx - 0.5, 0, sy, -region.y * sy + 0.5 * sy - 0.5);
  const int interpolation = (sx < 1 && sy < 1) ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::warpAffine(source, target, cv::Mat(transform), target.size(), interpolation, cv::BORDER_REPLICATE);
}

}  // namespace

extern "C" mer_status mer_au_boxes(const float* landmarks, float* boxes) {
  return mer::guarded([&] {
    mer::require_pointer(boxes, "boxes");
    const auto regions = au_boxes(mer::landmark_points(landmarks));
    for (int r = 0; r < kRegions; ++r) {
      boxes[4 * r] = regions[r].x;
      boxes[4 * r + 1] = regions[r].y;
      boxes[4 * r + 2] = regions[r].width;
      boxes[4 * r + 3] = regions[r].height;
    }
  });
}

extern "C" mer_status mer_au_crops(const uint8_t* image, int32_t height, int32_t width, int32_t channels,
                                   const float* landmarks, int32_t size, mer_image* out) {
  return mer::guarded([&] {
    const cv::Mat source = mer::image_view(image, height, width, channels, "image");
    mer::require(size >= 2, "crop size must be >= 2, got " + std::to_string(size));
    mer::require_pointer(out, "out");
    const auto regions = au_boxes(mer::landmark_points(landmarks));
    for (int r = 0; r < kRegions; ++r) {
      cv::Mat target = mer::output_view(out[r], size, size, channels, "AU crop");
      crop(source, regions[r], target);
    }
  });
}

extern "C" mer_status mer_au_crops_float(const float* data, int32_t height, int32_t width, int32_t channels,
                                         const float* landmarks, int32_t size, float* out) {
  return mer::guarded([&] {
    mer::require_pointer(data, "data");
    mer::require_pointer(out, "out");
    mer::require_size(height, width);
    mer::require(channels >= 1 && channels <= 4, "channels must be 1..4, got " + std::to_string(channels));
    mer::require(size >= 2, "crop size must be >= 2, got " + std::to_string(size));
    const cv::Mat source(height, width, CV_MAKETYPE(CV_32F, channels), const_cast<float*>(data));
    const auto regions = au_boxes(mer::landmark_points(landmarks));
    const size_t crop_floats = static_cast<size_t>(size) * size * channels;
    for (int r = 0; r < kRegions; ++r) {
      cv::Mat target(size, size, source.type(), out + crop_floats * r);
      crop(source, regions[r], target);
    }
  });
}
