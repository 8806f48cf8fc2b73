#include "safetensors.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "json.hpp"
#include "status.hpp"

namespace mer::train {
namespace {

torch::ScalarType dtype_of(const std::string& name, const std::string& tensor, const std::string& path) {
  if (name == "F32") return torch::kFloat;
  if (name == "F16") return torch::kHalf;
  if (name == "BF16") return torch::kBFloat16;
  if (name == "F64") return torch::kDouble;
  throw Error(MER_TRAIN_ERR_ARGUMENT, "weights file '" + path + "': tensor '" + tensor + "' has dtype " + name +
                                          " (F32, F16, BF16 or F64 expected)");
}

}  // namespace

std::map<std::string, torch::Tensor> read_safetensors(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(MER_TRAIN_ERR_IO, "weights file '" + path + "' cannot be opened (missing or unreadable)");
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto malformed = [&](const std::string& why) { return Error(MER_TRAIN_ERR_ARGUMENT, "weights file '" + path + "' is not safetensors: " + why); };
  if (bytes.size() < 8) throw malformed("shorter than its 8-byte header length");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<unsigned char>(bytes[i]);
  if (header_size > bytes.size() - 8) throw malformed("header length " + std::to_string(header_size) + " exceeds the file");
  const size_t data_begin = 8 + header_size;
  const size_t data_size = bytes.size() - data_begin;
  auto header = json::parse(std::string_view(bytes.data() + 8, header_size), "weights file '" + path + "' header");
  if (header.kind != json::Value::Kind::Object) throw malformed("the header is not a JSON object");

  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [name, entry] : header.object) {
    if (name == "__metadata__") continue;
    const auto* dtype = entry.find("dtype");
    const auto* shape = entry.find("shape");
    const auto* offsets = entry.find("data_offsets");
    if (!dtype || !shape || !offsets || shape->kind != json::Value::Kind::Array || offsets->array.size() != 2)
      throw malformed("tensor '" + name + "' lacks dtype, shape or data_offsets");
    auto type = dtype_of(dtype->string, name, path);
    std::vector<int64_t> sizes;
    int64_t count = 1;
    for (const auto& d : shape->array) {
      sizes.push_back(static_cast<int64_t>(d.number));
      count *= sizes.back();
    }
    const auto begin = static_cast<size_t>(offsets->array[0].number), end = static_cast<size_t>(offsets->array[1].number);
    if (end < begin || end > data_size || end - begin != static_cast<size_t>(count) * torch::elementSize(type))
      throw malformed("tensor '" + name + "' has data_offsets that do not fit its shape or the file");
    auto tensor = torch::empty(sizes, torch::TensorOptions().dtype(type));
    std::memcpy(tensor.data_ptr(), bytes.data() + data_begin + begin, end - begin);
    tensors.emplace(name, tensor.to(torch::kFloat));
  }
  return tensors;
}

}  // namespace mer::train
