// Move-only owners of CUDA resources. Constructors throw ERR_CUDA (naming the call) on failure; destructors
// never throw (a failing free is ignored: there is nothing useful to do with it while unwinding).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <utility>

#include "cuda_check.h"

namespace trtl {

inline std::string Bytes(size_t n) {
  if (n >= (size_t{1} << 20)) return std::to_string((n + (size_t{1} << 19)) >> 20) + " MiB";
  if (n >= 1024) return std::to_string((n + 512) >> 10) + " KiB";
  return std::to_string(n) + " B";
}

// Shared move semantics: T holds one handle `h_` and knows how to release it.
template <typename Derived, typename Handle>
class MoveOnly {
 public:
  MoveOnly() = default;
  MoveOnly(const MoveOnly&) = delete;
  MoveOnly& operator=(const MoveOnly&) = delete;
  MoveOnly(MoveOnly&& o) noexcept : h_(std::exchange(o.h_, Handle{})) {}
  MoveOnly& operator=(MoveOnly&& o) noexcept {
    if (this != &o) {
      static_cast<Derived*>(this)->Release();
      h_ = std::exchange(o.h_, Handle{});
    }
    return *this;
  }
  Handle get() const noexcept { return h_; }
  explicit operator bool() const noexcept { return h_ != Handle{}; }

 protected:
  Handle h_{};
};

class CudaStream : public MoveOnly<CudaStream, cudaStream_t> {
 public:
  CudaStream() = default;
  static CudaStream Create() {
    CudaStream s;
    CudaCheck(cudaStreamCreateWithFlags(&s.h_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    return s;
  }
  ~CudaStream() { Release(); }
  CudaStream(CudaStream&&) noexcept = default;
  CudaStream& operator=(CudaStream&&) noexcept = default;
  void Synchronize() const { CudaCheck(cudaStreamSynchronize(h_), "cudaStreamSynchronize"); }
  void Release() noexcept {
    if (h_) cudaStreamDestroy(h_);
    h_ = nullptr;
  }
};

class CudaEvent : public MoveOnly<CudaEvent, cudaEvent_t> {
 public:
  CudaEvent() = default;
  // Blocking sync by default: Synchronize() then sleeps on the driver instead of spinning a CPU core (the
  // waits run on libuv's small thread pool; a spinning waiter takes a core from everything else). Timing stays
  // enabled: the events also time the stages.
  static CudaEvent Create(unsigned flags = cudaEventBlockingSync) {
    CudaEvent e;
    CudaCheck(cudaEventCreateWithFlags(&e.h_, flags), "cudaEventCreateWithFlags");
    return e;
  }
  ~CudaEvent() { Release(); }
  CudaEvent(CudaEvent&&) noexcept = default;
  CudaEvent& operator=(CudaEvent&&) noexcept = default;
  void Record(cudaStream_t stream) const { CudaCheck(cudaEventRecord(h_, stream), "cudaEventRecord"); }
  void Synchronize() const { CudaCheck(cudaEventSynchronize(h_), "cudaEventSynchronize"); }
  // Milliseconds from `start` to this event (both recorded and completed).
  float ElapsedSince(const CudaEvent& start) const {
    float ms = 0;
    CudaCheck(cudaEventElapsedTime(&ms, start.h_, h_), "cudaEventElapsedTime");
    return ms;
  }
  void Release() noexcept {
    if (h_) cudaEventDestroy(h_);
    h_ = nullptr;
  }
};

// Allocators for CudaBuffer: device memory, and page-locked host memory (needed for truly asynchronous copies
// and for CUDA graph capture of memcpys).
struct DeviceAllocator {
  static constexpr const char* kName = "cudaMalloc";
  static cudaError_t Allocate(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
  static void Free(void* p) noexcept { cudaFree(p); }
};
struct PinnedAllocator {
  static constexpr const char* kName = "cudaMallocHost";
  static cudaError_t Allocate(void** p, size_t bytes) { return cudaMallocHost(p, bytes); }
  static void Free(void* p) noexcept { cudaFreeHost(p); }
};

// Memory of a fixed size from one allocator. Allocation failure throws ERR_CUDA naming the call and the size,
// e.g. "cudaMalloc(512 MiB) failed: out of memory".
template <typename Allocator>
class CudaBuffer : public MoveOnly<CudaBuffer<Allocator>, void*> {
  using Base = MoveOnly<CudaBuffer<Allocator>, void*>;

 public:
  CudaBuffer() = default;
  explicit CudaBuffer(size_t bytes) : size_(bytes) {
    if (bytes > 0)
      CudaCheck(Allocator::Allocate(&this->h_, bytes),
                std::string(Allocator::kName) + "(" + Bytes(bytes) + ")");
  }
  ~CudaBuffer() { Release(); }
  CudaBuffer(CudaBuffer&& o) noexcept : Base(std::move(o)), size_(std::exchange(o.size_, 0)) {}
  CudaBuffer& operator=(CudaBuffer&& o) noexcept {
    if (this != &o) {
      Base::operator=(std::move(o));
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  size_t size() const noexcept { return size_; }
  template <typename T>
  T* as() const noexcept {
    return static_cast<T*>(this->h_);
  }
  void Release() noexcept {
    if (this->h_) Allocator::Free(this->h_);
    this->h_ = nullptr;
  }

 private:
  size_t size_ = 0;
};

using DeviceBuffer = CudaBuffer<DeviceAllocator>;
using PinnedBuffer = CudaBuffer<PinnedAllocator>;

// An instantiated CUDA graph captured from a stream. Capture: Begin(stream), queue work, End(stream).
class CudaGraph : public MoveOnly<CudaGraph, cudaGraphExec_t> {
 public:
  CudaGraph() = default;
  ~CudaGraph() { Release(); }
  CudaGraph(CudaGraph&&) noexcept = default;
  CudaGraph& operator=(CudaGraph&&) noexcept = default;

  static void BeginCapture(cudaStream_t stream) {
    CudaCheck(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  }
  // Ends the capture started on `stream` and instantiates it. On failure the capture is still ended.
  static CudaGraph EndCapture(cudaStream_t stream) {
    cudaGraph_t graph = nullptr;
    CudaCheck(cudaStreamEndCapture(stream, &graph), "cudaStreamEndCapture");
    CudaGraph g;
    const cudaError_t st = cudaGraphInstantiate(&g.h_, graph, 0);
    cudaGraphDestroy(graph);
    CudaCheck(st, "cudaGraphInstantiate");
    return g;
  }
  void Launch(cudaStream_t stream) const { CudaCheck(cudaGraphLaunch(h_, stream), "cudaGraphLaunch"); }
  void Release() noexcept {
    if (h_) cudaGraphExecDestroy(h_);
    h_ = nullptr;
  }
};

}  // namespace trtl
