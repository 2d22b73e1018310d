#include "trt_common.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace trtl {

namespace {
constexpr size_t kKeep = 32;  // messages kept for error reports

nvinfer1::ILogger::Severity EchoLevel() {
  using S = nvinfer1::ILogger::Severity;
  const char* v = std::getenv("TRT_LANDMARKER_TRT_LOG");
  if (!v) return S::kINTERNAL_ERROR;  // echo nothing but internal errors by default
  if (!std::strcmp(v, "verbose")) return S::kVERBOSE;
  if (!std::strcmp(v, "info")) return S::kINFO;
  if (!std::strcmp(v, "warning")) return S::kWARNING;
  return S::kERROR;
}

const char* SeverityName(nvinfer1::ILogger::Severity s) {
  using S = nvinfer1::ILogger::Severity;
  switch (s) {
    case S::kINTERNAL_ERROR:
      return "internal error";
    case S::kERROR:
      return "error";
    case S::kWARNING:
      return "warning";
    case S::kINFO:
      return "info";
    default:
      return "verbose";
  }
}
}  // namespace

TrtLogger::TrtLogger() : echo_(EchoLevel()) {}

void TrtLogger::log(Severity severity, const char* msg) noexcept {
  try {
    Sink sink;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (severity <= Severity::kERROR) {
        errors_.emplace_back(msg);
        if (errors_.size() > kKeep) errors_.pop_front();
      }
      if (severity <= Severity::kWARNING) {
        recent_.emplace_back(std::string(SeverityName(severity)) + ": " + msg);
        if (recent_.size() > kKeep) recent_.pop_front();
      }
      sink = sink_;
    }
    if (severity <= echo_) std::fprintf(stderr, "[TensorRT %s] %s\n", SeverityName(severity), msg);
    if (sink) sink(severity, msg);
  } catch (...) {
    // log() is noexcept: a failing allocation here just drops the message.
  }
}

void TrtLogger::SetSink(Sink sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = std::move(sink);
}

std::string TrtLogger::TakeErrors() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& e : errors_) out += (out.empty() ? "" : "; ") + e;
  errors_.clear();
  return out;
}

std::vector<std::string> TrtLogger::Recent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {recent_.begin(), recent_.end()};
}

void ThrowTrt(TrtLogger& logger, const std::string& what) {
  const std::string errors = logger.TakeErrors();
  throw CoreError(kErrTensorRt, what + " failed" + (errors.empty() ? "" : ": " + errors));
}

const char* DataTypeName(nvinfer1::DataType t) {
  using D = nvinfer1::DataType;
  switch (t) {
    case D::kFLOAT:
      return "float32";
    case D::kHALF:
      return "float16";
    case D::kINT8:
      return "int8";
    case D::kINT32:
      return "int32";
    case D::kBOOL:
      return "bool";
    case D::kUINT8:
      return "uint8";
    case D::kBF16:
      return "bfloat16";
    case D::kINT64:
      return "int64";
    default:
      return "other";
  }
}

std::string DimsString(const nvinfer1::Dims& d) {
  std::string s = "[";
  for (int i = 0; i < d.nbDims; ++i) s += (i ? ", " : "") + std::to_string(d.d[i]);
  return s + "]";
}

}  // namespace trtl
