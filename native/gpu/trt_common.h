// Shared TensorRT plumbing: owning pointers over TensorRT objects, the logger every TensorRT object is
// created with, and ERR_TENSORRT errors. Only interfaces and inline header code are used here: nothing may
// reference a libnvinfer symbol at link time (the library is dlopened by trt_loader.cc).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../addon/build_info.h"
#include "../core/errors.h"
#include "trt_headers.h"

#if !defined(TRTL_TENSORRT_MAJOR) || TRTL_TENSORRT_MAJOR != NV_TENSORRT_MAJOR
#error \
    "TRTL_TENSORRT_MAJOR (generated build_info.h) disagrees with NV_TENSORRT_MAJOR of the headers being compiled"
#endif

namespace trtl {

inline constexpr const char* kErrTensorRt = "ERR_TENSORRT";

// TensorRT 8+ objects are destroyed with delete (destroy() is gone); the virtual destructor lives in
// libnvinfer.
struct TrtDelete {
  template <typename T>
  void operator()(T* p) const noexcept {
    delete p;
  }
};
template <typename T>
using TrtPtr = std::unique_ptr<T, TrtDelete>;

// Collects TensorRT's messages: keeps the recent warnings/errors (to append to the error TensorRT's API calls
// only signal with null/false), echoes to stderr when TRT_LANDMARKER_TRT_LOG=verbose|info|warning is set, and
// forwards to an optional sink (the engine build sends them to JS). TensorRT may log from any thread.
class TrtLogger : public nvinfer1::ILogger {
 public:
  using Sink = std::function<void(Severity, const char*)>;
  TrtLogger();
  void log(Severity severity, const char* msg) noexcept override;
  void SetSink(Sink sink);
  // Recent kERROR / kINTERNAL_ERROR messages (oldest first), joined with "; ", then cleared.
  std::string TakeErrors();
  // Recent warnings and errors, oldest first (for build reports).
  std::vector<std::string> Recent() const;

 private:
  mutable std::mutex mu_;
  Severity echo_;
  Sink sink_;
  std::deque<std::string> errors_;
  std::deque<std::string> recent_;
};

// Throws ERR_TENSORRT "<what> failed" plus TensorRT's own recent error messages when it logged any.
[[noreturn]] void ThrowTrt(TrtLogger& logger, const std::string& what);

const char* DataTypeName(nvinfer1::DataType t);
std::string DimsString(const nvinfer1::Dims& d);

}  // namespace trtl
