#!/usr/bin/env bash
# One-call device check: builds native/test/kernel_check with nvcc (no Node, no cmake, no TensorRT needed) and runs
# it: GPU kernels vs the CPU reference (max abs error <= 1e-3) and their timings / achieved bandwidth.
#
#   native/test/gpu-check.sh [kernel_check args, e.g. --seed 7]
#
# Env: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc), CUDA_ARCHS (default "75 80 86 89 90 100 120",
# filtered to what this nvcc supports; machine code for each, plus PTX of the lowest and the highest so that any
# newer GPU runs it), OUT (if set, the log is also written to $OUT/kernel_check.log), BUILD_DIR (default
# build-gpu-check; the binary stays there: kernel_check --mutate KIND reruns it with damaged output).
# Exit: kernel_check's code (0 pass, 1 mismatch, 2 CUDA error, 77 no CUDA device) or 3 if the build failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ ! -x "$NVCC" ]; then
  echo "gpu-check: nvcc not found (set NVCC=/path/to/nvcc)"
  exit 3
fi
supported=$("$NVCC" --list-gpu-arch 2>/dev/null | tr '\n' ' ')
gencode=()
archs=()
for a in ${CUDA_ARCHS:-75 80 86 89 90 100 120}; do
  case " $supported " in *" compute_$a "*) gencode+=("-gencode=arch=compute_$a,code=sm_$a"); archs+=("$a") ;; esac
done
if [ ${#gencode[@]} -eq 0 ]; then
  echo "gpu-check: none of CUDA_ARCHS (${CUDA_ARCHS:-default}) is supported by $NVCC"
  exit 3
fi
# PTX too, so a GPU outside the list still runs (the driver compiles it): the lowest architecture's runs on every
# newer GPU, the highest's gives newer GPUs the newer instruction set.
lowest=${archs[0]}
highest=${archs[${#archs[@]}-1]}
gencode+=("-gencode=arch=compute_$lowest,code=compute_$lowest")
[ "$highest" != "$lowest" ] && gencode+=("-gencode=arch=compute_$highest,code=compute_$highest")
build=${BUILD_DIR:-build-gpu-check}
mkdir -p "$build"
log=${OUT:+$OUT/kernel_check.log}

{
  echo "gpu-check: $("$NVCC" --version | tail -1)"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader
  echo "gpu-check: building kernel_check for ${gencode[*]}"
  start=$(date +%s)
  if ! "$NVCC" -std=c++17 -O3 -lineinfo --threads 0 "${gencode[@]}" -o "$build/kernel_check" \
      native/test/kernel_check.cc native/test/check_preprocess.cc native/test/check_decode.cc \
      native/gpu/preprocess_kernel.cu native/gpu/decode_kernels.cu \
      native/core/preprocess.cc native/core/pipnet_decode.cc native/core/regression_decode.cc native/core/detector_decode.cc; then
    echo "gpu-check: BUILD FAILED"
    exit 3
  fi
  echo "gpu-check: built in $(( $(date +%s) - start ))s"
  "$build/kernel_check" "$@"
  rc=$?
  echo "gpu-check: kernel_check exit code $rc"
  exit $rc
} 2>&1 | if [ -n "$log" ]; then tee "$log"; else cat; fi
exit "${PIPESTATUS[0]}"
