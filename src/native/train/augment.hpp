// Geometric augmentation of image-shaped inputs inside the trainer: per sample one affine transform (rotation,
// horizontal flip, isotropic scale) drawn from the epoch's generator and applied to every image input alike,
// so the modalities of a multi-input model stay registered.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "config.hpp"
#include "model.hpp"

namespace mer::train {

bool augmentation_enabled(const TrainConfig& config);

// Transforms every input with height and width > 1 in place of the returned vector; others pass through. Inputs whose
// spec has motion_channels get their (u, v) vectors transformed too; inputs whose spec has boxes are moved as boxes.
std::vector<torch::Tensor> augment(const std::vector<torch::Tensor>& batch, const std::vector<InputSpec>& specs,
                                   const TrainConfig& config, torch::Generator& generator);

}  // namespace mer::train
