// TrtRuntime's CUDA graph capture and the state info() reports (split from trt_runtime.cc to keep it small).
#include <string>

#include "trt_runtime.h"

namespace trtl {

void TrtRuntime::Capture(int batch) {
  cudaStream_t s = stream_.get();
  graph_ = CudaGraph();
  graph_batch_ = 0;
  try {
    CudaGraph::BeginCapture(s);
    try {
      Enqueue(batch, nullptr, nullptr);
    } catch (...) {
      cudaGraph_t g = nullptr;
      cudaStreamEndCapture(s, &g);
      if (g) cudaGraphDestroy(g);
      throw;
    }
    graph_ = CudaGraph::EndCapture(s);
    graph_batch_ = batch;
    SetGraphStatus("on");
  } catch (const std::exception& e) {
    // Some engines cannot be captured; run without graphs from now on and say why in info().
    capture_failed_ = true;
    SetGraphStatus(std::string("failed: ") + e.what());
    logger_.TakeErrors();
    cudaGetLastError();
  }
}

TrtRuntime::Info TrtRuntime::info() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return info_;
}

void TrtRuntime::AddDeviceBytes(size_t n) {
  std::lock_guard<std::mutex> lock(info_mu_);
  info_.device_bytes += n;
}

void TrtRuntime::SetGraphStatus(std::string status) {
  std::lock_guard<std::mutex> lock(info_mu_);
  info_.graph_status = std::move(status);
}

}  // namespace trtl
