// TorchSharp 0.107 frees a Scalar in its finalizer, and makes temporary Scalars inside its operators (a + b passes a
// Scalar 1 made on the spot; x * 0.5 converts 0.5 to one). Optimised .NET code lets such a temporary become garbage
// as soon as its handle has been read, so a garbage collection started by another thread can finalize it while the
// native call that reads it still runs: "Scalar::toFloat: Expected false to be true", or silently a wrong value.
//
// This library stands between TorchSharp and libLibTorchSharp.so (the C# side resolves TorchSharp's "LibTorchSharp"
// imports to it; every other symbol comes from the real library, its dependency). It defines only
// THSTorch_dispose_scalar, which frees a Scalar a few seconds after it was given up instead of at once: far longer
// than any native call takes to read its arguments, and a bounded amount of memory (a Scalar is a few dozen bytes).

#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDelay = std::chrono::seconds(10);

std::mutex g_lock;
std::deque<std::pair<Clock::time_point, void*>> g_pending;

using Dispose = void (*)(void*);

Dispose RealDispose() {
  static Dispose real = [] {
    // The real library is loaded already (it is this one's dependency): look the symbol up in it, not in us.
    void* library = dlopen("libLibTorchSharp.so", RTLD_NOW | RTLD_NOLOAD);
    auto found = library == nullptr ? nullptr : reinterpret_cast<Dispose>(dlsym(library, "THSTorch_dispose_scalar"));
    if (found == nullptr)
      std::fprintf(stderr, "mer_torchsharp: THSTorch_dispose_scalar not found in libLibTorchSharp.so; Scalars are not freed\n");
    return found;
  }();
  return real;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void THSTorch_dispose_scalar(void* scalar) {
  if (scalar == nullptr)
    return;
  std::vector<void*> due;
  const auto now = Clock::now();
  {
    std::lock_guard<std::mutex> hold(g_lock);
    g_pending.emplace_back(now, scalar);
    while (!g_pending.empty() && now - g_pending.front().first >= kDelay) {
      due.push_back(g_pending.front().second);
      g_pending.pop_front();
    }
  }
  if (due.empty())
    return;
  if (auto dispose = RealDispose())
    for (auto* old : due)
      dispose(old);
}

// How long a Scalar waits before it is freed; the C# side checks with it that this library is the one in use.
__attribute__((visibility("default"))) int mer_scalar_release_delay_seconds() {
  return static_cast<int>(kDelay.count());
}

// Scalars waiting to be freed (for tests).
__attribute__((visibility("default"))) long mer_scalar_release_pending() {
  std::lock_guard<std::mutex> hold(g_lock);
  return static_cast<long>(g_pending.size());
}

}
