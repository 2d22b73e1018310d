// kernel_check: runs the CUDA kernels against the CPU reference of native/core and times them.
// Exit codes: 0 all checks passed; 1 a check failed; 2 a CUDA/host error; 77 no usable CUDA device (the ctest
// "skipped" convention), with the CUDA runtime's reason printed.
//   kernel_check [--seed N] [--mutate nan|offset|drop-last|nan-to-value]
// --mutate damages every GPU output after it is downloaded (check_compare.h): a mutated run must exit 1 with every
// check failed, which shows the comparison catches a kernel that writes NaN, misses by a little, or skips an item.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <utility>

#include "../core/errors.h"
#include "check_util.h"

using namespace trtl;
using namespace trtl::check;

namespace {

constexpr int kExitNoDevice = 77;

// Prints the device and returns its theoretical peak memory bandwidth in GB/s (0 if unknown).
double DescribeDevice(int dev) {
  cudaDeviceProp prop{};
  TRTL_CUDA(cudaGetDeviceProperties(&prop, dev));
  int mem_khz = 0, bus_bits = 0, driver = 0, runtime = 0;
  cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, dev);
  cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, dev);
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  // DDR: two transfers per clock.
  const double peak = 2.0 * mem_khz * 1e3 * (bus_bits / 8.0) / 1e9;
  std::printf("device %d: %s, compute capability %d.%d, %d SMs, %.1f GiB, peak memory bandwidth %.0f GB/s\n",
              dev, prop.name, prop.major, prop.minor, prop.multiProcessorCount,
              prop.totalGlobalMem / double(1 << 30), peak);
  std::printf("CUDA driver %d.%d, runtime %d.%d\n", driver / 1000, (driver % 1000) / 10, runtime / 1000,
              (runtime % 1000) / 10);
  return peak;
}

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
double WallMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// What waiting for a run costs the waiting CPU thread (the runtime waits on a libuv worker): an event created with
// default flags spins, one with cudaEventBlockingSync (what CudaEvent::Create uses) sleeps. Same GPU work each way.
void EventWaitCost(cudaStream_t stream) {
  DeviceBuffer scratch(size_t{256} << 20);
  for (const auto& [name, flags] : {std::pair<const char*, unsigned>{"default (spin)", cudaEventDefault},
                                    {"blocking sync", cudaEventBlockingSync}}) {
    CudaEvent done = CudaEvent::Create(flags);
    const int waits = 20;
    double wall = 0, cpu = 0;
    for (int i = 0; i < waits; ++i) {
      for (int k = 0; k < 8; ++k) TRTL_CUDA(cudaMemsetAsync(scratch.get(), k, scratch.size(), stream));
      done.Record(stream);
      const double w0 = WallMs(), c0 = ThreadCpuMs();
      done.Synchronize();
      wall += WallMs() - w0;
      cpu += ThreadCpuMs() - c0;
    }
    std::printf("  event wait, %-15s %.3f ms wall, %.3f ms CPU per wait (%.0f%% of a core)\n", name, wall / waits,
                cpu / waits, wall > 0 ? 100 * cpu / wall : 0.0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  unsigned long long seed = 20240601;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    if (!std::strcmp(argv[i], "--mutate") && i + 1 < argc) {
      ActiveMutation() = ParseMutation(argv[++i]);
      if (ActiveMutation() == Mutation::kNone) {
        std::printf("kernel_check: unknown --mutate %s (one of %s)\n", argv[i], kMutationNames);
        return 2;
      }
    }
  }
  int count = 0;
  const cudaError_t st = cudaGetDeviceCount(&count);
  if (st != cudaSuccess || count == 0) {
    int driver = 0;
    cudaDriverGetVersion(&driver);  // 0: libcuda.so.1 could not be loaded
    std::printf("kernel_check: no CUDA device: %s%s\n",
                st != cudaSuccess ? CudaErrorText(st).c_str() : "cudaGetDeviceCount returned 0 devices",
                driver == 0 ? " (no NVIDIA driver: libcuda.so.1 not found)" : "");
    return kExitNoDevice;
  }
  try {
    const double peak = DescribeDevice(0);
    TRTL_CUDA(cudaSetDevice(0));
    CudaStream stream = CudaStream::Create();
    Rng rng(seed);
    Tally tally;
    std::printf("seed %llu\n", seed);
    CheckPreprocess(tally, rng, stream.get(), peak);
    CheckDecode(tally, rng, stream.get());
    std::printf("waiting for the GPU (8 x 256 MiB memset per wait)\n");
    EventWaitCost(stream.get());
    std::printf("%s: %d of %d checks passed\n", tally.failures ? "FAILED" : "PASSED",
                tally.cases - tally.failures, tally.cases);
    return tally.failures ? 1 : 0;
  } catch (const CoreError& e) {
    std::printf("kernel_check: [%s] %s\n", e.code().c_str(), e.what());
  } catch (const std::exception& e) {
    std::printf("kernel_check: %s\n", e.what());
  }
  return 2;
}
