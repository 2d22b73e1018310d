#!/usr/bin/env bash
# Runs a command with parts of this machine hidden, so that a build sees what a fresh machine without them sees:
#
#   .ci/hide.sh cuda|tensorrt|jpeg [...] -- command args...
#
#   cuda      every CUDA toolkit (/usr/local/cuda*, /opt/cuda) and every nvcc on PATH; CUDA variables unset
#   tensorrt  the TensorRT headers in the places cmake/gpu.cmake searches by default; TENSORRT_ROOT unset
#   jpeg      libjpeg's jpeglib.h in /usr/include and /usr/local/include (native/addon/jpeg_decode.cc then builds
#             without the JPEG decoder)
#
# Hiding uses a private mount namespace (unshare -m, needs root or user namespaces): directories are covered by an
# empty one, a directory that also holds other headers by a copy without the TensorRT ones, an nvcc by an empty
# non-executable file. Nothing outside the command changes. Exit 90 when unshare is not available.
set -euo pipefail
what=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do what+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
if [ "${TRTL_HIDE_INSIDE:-}" != 1 ]; then
  if ! unshare -m --propagation private true 2>/dev/null; then
    echo "hide: cannot hide ${what[*]}: unshare -m is not available here (needs root or user namespaces)" >&2
    exit 90
  fi
  exec env TRTL_HIDE_INSIDE=1 unshare -m --propagation private "$0" "${what[@]}" -- "$@"
fi

scratch=$(mktemp -d /tmp/trtl-hide.XXXXXX)
mkdir "$scratch/empty"
: > "$scratch/not-a-program"
covered=" "
cover_dir() {
  case "$covered" in *" $1 "*) return 0 ;; esac
  if [ -d "$1" ]; then mount --bind "$scratch/empty" "$1" && covered+="$1 " && echo "hide: covered $1" >&2; fi
  return 0
}

# cover_files <dir> <label> <glob>...: covers <dir> with a copy of itself without the files matching the globs,
# when it has any. Hard links (symbolic ones would point back into the covered directory), a plain copy across
# devices; each copy in a fresh folder, so that two parts hiding files of the same directory stack.
cover_files() {
  local d=$1 label=$2 g found=
  shift 2
  for g in "$@"; do compgen -G "$d/$g" >/dev/null && found=1; done
  [ -n "$found" ] || return 0
  local copy
  copy=$(mktemp -d "$scratch/copy.XXXXXX")/dir
  cp -al "$(readlink -f "$d")" "$copy" 2>/dev/null || { rm -rf "$copy"; cp -a "$(readlink -f "$d")" "$copy"; }
  for g in "$@"; do rm -f "$copy"/$g; done
  mount --bind "$copy" "$d" && echo "hide: $label in $d" >&2
}

for w in "${what[@]}"; do
  case "$w" in
    cuda)
      for d in /usr/local/cuda /usr/local/cuda-* /opt/cuda; do [ -e "$d" ] && cover_dir "$(readlink -f "$d")"; done
      IFS=: read -r -a path_dirs <<< "$PATH"
      for d in "${path_dirs[@]}"; do
        if [ -e "$d/nvcc" ]; then mount --bind "$scratch/not-a-program" "$d/nvcc" && echo "hide: covered $d/nvcc" >&2; fi
      done
      unset CUDACXX CUDAToolkit_ROOT CUDA_PATH CUDA_HOME
      ;;
    tensorrt)
      for d in /usr/local/tensorrt /opt/tensorrt; do cover_dir "$d"; done
      for d in /usr/include /usr/include/*-linux-gnu; do cover_files "$d" "TensorRT headers" 'NvInfer*.h' 'NvOnnxParser*.h'; done
      unset TENSORRT_ROOT
      ;;
    jpeg)
      for d in /usr/include /usr/local/include; do cover_files "$d" jpeglib.h jpeglib.h; done
      ;;
    *) echo "hide: unknown part '$w' (cuda, tensorrt, jpeg)" >&2; exit 2 ;;
  esac
done
"$@"
