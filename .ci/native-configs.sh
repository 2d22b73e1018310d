#!/usr/bin/env bash
# Builds the addon in every configuration a user can have, each in a fresh clone of this repository (HEAD), and runs
# the addon tests (npx jest test/addon, on the clone's compiled dist/) against each build:
#   (a) no CUDA                       CUDA toolkits, nvcc and libjpeg's jpeglib.h hidden (.ci/hide.sh), as on a bare
#                                     machine (the addon then builds without its JPEG decoder)
#   (b) CUDA, no TensorRT headers     TensorRT headers hidden, TENSORRT_ROOT unset: the not-found path
#   (c) CUDA + TensorRT 10.x headers  TENSORRT_ROOT=$TRTL_CI_TENSORRT10_ROOT (default /work/trt-headers/10.16)
#   (d) CUDA + TensorRT 11.x headers  TENSORRT_ROOT=$TRTL_CI_TENSORRT11_ROOT (default /work/trt-headers/11.1)
# (c) and (d) are skipped with the reason when their headers are absent; (b)-(d) when this machine has no nvcc.
# GPU builds compile one CUDA architecture (TRTL_CI_CUDA_ARCH, default 75) to stay within CI time.
#
#   .ci/native-configs.sh [a b c d]      (default: all)
#
# Each configuration appends "<status> <name>: <detail>" to $TRTL_CI_STEPS and writes its jest summary to
# $TRTL_CI_SUMMARIES/addon-<name>.json (for .ci/summary.js). Exit 1 when a configuration failed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/trtl-ci-configs.XXXXXX)
arch=${TRTL_CI_CUDA_ARCH:-75}
steps=${TRTL_CI_STEPS:-/dev/null}
summaries=${TRTL_CI_SUMMARIES:-$work}
failed=0
trt10=${TRTL_CI_TENSORRT10_ROOT:-/work/trt-headers/10.16}
trt11=${TRTL_CI_TENSORRT11_ROOT:-/work/trt-headers/11.1}

record() { echo "$1" >> "$steps"; echo "ci: $1"; }

# Major version of the TensorRT headers under $1 (include/NvInferVersion.h), or nothing.
trt_major() {
  sed -n 's/^#define \(NV_TENSORRT_MAJOR\|TRT_MAJOR_ENTERPRISE\) *\([0-9][0-9]*\).*/\2/p' "$1/include/NvInferVersion.h" 2>/dev/null | head -1
}

# config <name> <label> <expected variant> <expected tensorrt> <hide parts (comma list or -)> [TENSORRT_ROOT]
# The JPEG decoder is expected absent when jpeglib.h is hidden, present otherwise when this machine has jpeglib.h.
config() {
  local name=$1 label=$2 variant=$3 trt=$4 hide=$5 root=${6:-}
  local jpeg=
  case ",$hide," in *,jpeg,*) jpeg=no ;; *) [ -f /usr/include/jpeglib.h ] && jpeg=yes ;; esac
  local dir=$work/$name log=$work/$name.build.log start=$SECONDS
  git clone -q "$repo" "$dir" && ln -s "$repo/node_modules" "$dir/node_modules"
  local env=(env -u TENSORRT_ROOT "TRTL_CMAKE_ARGS=-DTRTL_CUDA_ARCHITECTURES=$arch")
  [ -n "$root" ] && env+=("TENSORRT_ROOT=$root")
  local cmd=("${env[@]}" node scripts/build-native.js)
  [ "$hide" != - ] && cmd=("$repo/.ci/hide.sh" ${hide//,/ } -- "${cmd[@]}")
  echo "ci: ($name) $label: building in $dir"
  (cd "$dir" && "${cmd[@]}") > "$log" 2>&1
  local rc=$?
  if [ $rc -eq 90 ] && [ "$name" = a ]; then
    # No mount namespace here: ask CMake for the no-CUDA build instead of hiding the toolkit.
    echo "ci: (a) cannot hide CUDA here; building with -DTRTL_WITH_CUDA=OFF instead" | tee -a "$log"
    (cd "$dir" && TRTL_CMAKE_ARGS=-DTRTL_WITH_CUDA=OFF node scripts/build-native.js) >> "$log" 2>&1
    rc=$?
  fi
  grep '^\[trt-landmarker\]' "$log" | tail -4
  if [ $rc -ne 0 ]; then
    tail -30 "$log"
    record "FAIL ($name) $label: build failed (exit $rc; log $log)"
    failed=1
    return
  fi
  local facts
  if ! facts=$(node "$repo/.ci/expect-build.js" "$dir/build/Release/trt_landmarker.node" "$variant" "$trt" $jpeg 2>&1); then
    record "FAIL ($name) $label: $facts"
    failed=1
    return
  fi
  echo "ci: ($name) $facts"
  # The tests run the compiled package (test/compiled.js): a fresh clone compiles its dist/ first.
  if (cd "$dir" && npx tsc -p tsconfig.build.json && TRTL_TEST_SUMMARY="$summaries/addon-$name.json" npx jest test/addon 2>&1 | tail -8); then
    record "ok   ($name) $label: ${facts#expect-build: }; addon tests pass ($((SECONDS - start)) s)"
  else
    record "FAIL ($name) $label: addon tests failed"
    failed=1
  fi
}

want=${*:-a b c d}
have_nvcc=
command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ] && have_nvcc=1
for c in $want; do
  case $c in
    a) config a "no CUDA, no jpeglib.h" cpu none cuda,tensorrt,jpeg ;;
    b | c | d)
      if [ -z "$have_nvcc" ]; then
        record "skip ($c): no nvcc on this machine, so no CUDA build"
        continue
      fi
      case $c in
        b) config b "CUDA, TensorRT headers absent" cuda none tensorrt ;;
        c | d)
          want_major=$([ $c = c ] && echo 10 || echo 11)
          root=$([ $c = c ] && echo "$trt10" || echo "$trt11")
          var=$([ $c = c ] && echo TRTL_CI_TENSORRT10_ROOT || echo TRTL_CI_TENSORRT11_ROOT)
          got=$(trt_major "$root")
          if [ "$got" != "$want_major" ]; then
            record "skip ($c) CUDA + TensorRT $want_major.x headers: none at $root${got:+ (found TensorRT $got there)}; set $var"
            continue
          fi
          config "$c" "CUDA + TensorRT $want_major.x headers ($root)" cuda "$want_major" - "$root"
          ;;
      esac
      ;;
    *) echo "native-configs: unknown configuration $c (a b c d)"; exit 2 ;;
  esac
done
[ $failed -eq 0 ] && rm -rf "$work"
exit $failed
