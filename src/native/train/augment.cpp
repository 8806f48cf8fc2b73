#include "augment.hpp"

#include <cmath>

namespace mer::train {
namespace {

// Boxes [N, ..., 4] of (x, y, width, height) in fractions of the image, carried along with the images: theta maps
// output to input positions, so a corner lands at inverse(theta) times it; the moved box bounds its four corners.
torch::Tensor move_boxes(const torch::Tensor& boxes, const torch::Tensor& theta) {
  const int64_t n = boxes.size(0);
  auto b = boxes.reshape({n, -1, 4});
  auto x0 = b.select(2, 0) * 2 - 1, y0 = b.select(2, 1) * 2 - 1;
  auto x1 = x0 + b.select(2, 2) * 2, y1 = y0 + b.select(2, 3) * 2;
  auto corners = torch::stack({torch::stack({x0, y0}, -1), torch::stack({x1, y0}, -1), torch::stack({x0, y1}, -1),
                               torch::stack({x1, y1}, -1)}, 2);  // [N, K, 4, 2]
  auto inverse = torch::inverse(theta.narrow(2, 0, 2)).to(boxes.device());
  auto moved = torch::matmul(corners, inverse.transpose(1, 2).unsqueeze(1));
  auto low = std::get<0>(moved.min(2)), high = std::get<0>(moved.max(2));
  return torch::cat({(low + 1) / 2, (high - low) / 2}, 2).reshape(boxes.sizes());
}

}  // namespace

bool augmentation_enabled(const TrainConfig& config) {
  return config.rotation_degrees > 0 || config.horizontal_flip || config.scale_jitter > 0;
}

std::vector<torch::Tensor> augment(const std::vector<torch::Tensor>& batch, const std::vector<InputSpec>& specs,
                                   const TrainConfig& config, torch::Generator& generator) {
  namespace F = torch::nn::functional;
  const int64_t n = batch.at(0).size(0);
  auto uniform = [&](double half_width) {  // uniform in [-half_width, half_width], from the epoch's generator
    return (torch::rand({n}, generator, torch::kFloat) * 2 - 1) * half_width;
  };
  auto angle = uniform(config.rotation_degrees * M_PI / 180.0);
  auto zoom = 1 + uniform(config.scale_jitter);
  auto mirror = config.horizontal_flip
                    ? torch::where(torch::rand({n}, generator, torch::kFloat) < 0.5, -1.0f, 1.0f)
                    : torch::ones({n});
  // affine_grid maps output to input coordinates: zooming in by s samples the input at out / s; the mirror
  // negates x before the rotation.
  auto cos = angle.cos() / zoom, sin = angle.sin() / zoom, zero = torch::zeros({n});
  auto theta = torch::stack({torch::stack({cos * mirror, -sin, zero}, 1), torch::stack({sin * mirror, cos, zero}, 1)}, 1);

  std::vector<torch::Tensor> out;
  out.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto& x = batch[i];
    if (i < specs.size() && specs[i].boxes) {
      out.push_back(move_boxes(x, theta));
      continue;
    }
    if (x.dim() != 4 || x.size(2) < 2 || x.size(3) < 2) {
      out.push_back(x);
      continue;
    }
    auto grid = F::affine_grid(theta.to(x.device()), x.sizes(), /*align_corners=*/false);
    auto moved = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
    if (i < specs.size() && specs[i].motion_channels && x.size(1) >= 2) {
      // theta maps output to input positions, so a displacement seen in the input appears as inverse(theta) times it.
      auto inverse = torch::inverse(theta.narrow(2, 0, 2)).to(x.device()).view({n, 2, 2, 1, 1});
      auto u = moved.select(1, 0), v = moved.select(1, 1);
      auto u2 = inverse.select(1, 0).select(1, 0) * u + inverse.select(1, 0).select(1, 1) * v;
      auto v2 = inverse.select(1, 1).select(1, 0) * u + inverse.select(1, 1).select(1, 1) * v;
      moved = torch::cat({torch::stack({u2, v2}, 1), moved.narrow(1, 2, x.size(1) - 2)}, 1);
    }
    out.push_back(moved);
  }
  return out;
}

}  // namespace mer::train
