// Reading pretrained weights a user provides, in the safetensors format (https://github.com/huggingface/safetensors):
// an 8-byte little-endian header length, a JSON header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...}
// and the raw little-endian tensor bytes. It is the format timm and the Hugging Face hub publish ImageNet ViT weights
// in (e.g. timm/vit_base_patch16_224.augreg2_in21k_ft_in1k, model.safetensors), and it needs no Python to read.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace mer::train {

// Every tensor of the file by name, as float32 (F32, F16, BF16 and F64 are accepted). A missing or unreadable file is
// MER_TRAIN_ERR_IO, a malformed one MER_TRAIN_ERR_ARGUMENT; both name `path`.
std::map<std::string, torch::Tensor> read_safetensors(const std::string& path);

}  // namespace mer::train
