# GPU part of the addon, included by CMakeLists.txt before the addon target is created (always: it decides
# whether there is a GPU part at all, and why not when there is none).
#
#   CUDA kernels     built when nvcc is found (CUDAToolkit_ROOT, CUDACXX, CUDA_PATH, /usr/local/cuda, PATH).
#   TensorRT backend built when the TensorRT public headers are found as well (TENSORRT_ROOT, else the usual
#                    install locations). libnvinfer is NEVER linked: native/gpu/trt_loader.cc dlopens it at run time,
#                    so the same binary loads (and falls back with a reason) where TensorRT or the GPU is absent.
#
# Options / variables:
#   -DTRTL_WITH_CUDA=OFF             CPU-only addon even when nvcc exists
#   -DTRTL_WITH_TENSORRT=OFF         CUDA kernels but no TensorRT backend
#   -DTENSORRT_ROOT=<dir>            TensorRT install (or a checkout of NVIDIA/TensorRT: headers in <dir>/include);
#                                    also read from the environment. When set, ONLY this location is searched.
#   -DTRTL_TENSORRT_DEFAULT_PATHS=OFF  do not search /usr/local/tensorrt, /usr/include/<arch>, /opt/tensorrt, ...
#   -DTRTL_CUDA_ARCHITECTURES=<list> override the CUDA_ARCHITECTURES list below
#
# Sets for CMakeLists.txt: TRTL_GPU_SOURCES, TRTL_GPU_LIBS, TRTL_GPU_INCLUDES, and the build facts that
# cmake/build_info.cmake writes into a generated header (never into compile definitions, where a `;` or a quote
# in a reason would split or break the compiler command line): TRTL_VARIANT, TRTL_GPU_ABSENT_REASON,
# TRTL_CUDA_VERSION, TRTL_TENSORRT_MAJOR, TRTL_TENSORRT_HEADERS, TRTL_TENSORRT_ABSENT_REASON.

option(TRTL_WITH_CUDA "Build the CUDA kernels when a CUDA toolkit is found" ON)
option(TRTL_WITH_TENSORRT "Build the TensorRT backend when TensorRT headers are found" ON)
option(TRTL_TENSORRT_DEFAULT_PATHS "Search the usual TensorRT install locations when TENSORRT_ROOT is not set" ON)


# ---- CUDA --------------------------------------------------------------------------------------------------------
set(_trtl_cuda_found OFF)
if(NOT TRTL_WITH_CUDA)
  set(TRTL_GPU_ABSENT_REASON "addon built without CUDA (-DTRTL_WITH_CUDA=OFF)")
else()
  # Prefer a real toolkit's nvcc over wrappers on PATH: CMake derives the toolkit root from the compiler's path.
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    find_program(TRTL_NVCC nvcc
      HINTS "${CUDAToolkit_ROOT}/bin" "$ENV{CUDAToolkit_ROOT}/bin" "$ENV{CUDA_PATH}/bin" "$ENV{CUDA_HOME}/bin"
            /usr/local/cuda/bin
      NO_CACHE)
    if(TRTL_NVCC)
      set(ENV{CUDACXX} "${TRTL_NVCC}")
    endif()
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    if(DEFINED ENV{CUDACXX} AND NOT TRTL_NVCC)
      # The user's (or our search's) nvcc exists but CMake could not compile a test program with it.
      set(TRTL_GPU_ABSENT_REASON "addon built without CUDA: nvcc at CUDACXX=$ENV{CUDACXX} does not work (CMake's CUDA compiler check failed; fix or unset CUDACXX)")
    elseif(TRTL_NVCC)
      set(TRTL_GPU_ABSENT_REASON "addon built without CUDA: ${TRTL_NVCC} does not work (CMake's CUDA compiler check failed; set CUDAToolkit_ROOT or CUDACXX to a working toolkit)")
    else()
      set(TRTL_GPU_ABSENT_REASON "addon built without CUDA: no nvcc found at build time (install the CUDA toolkit, or set CUDAToolkit_ROOT or CUDACXX)")
    endif()
  endif()
endif()

if(TRTL_WITH_CUDA AND CMAKE_CUDA_COMPILER)
  # Architectures must be known before enable_language picks a default. CUDA 13 dropped sm_50..sm_72; CUDA 12
  # still has sm_70/72. Real SASS for each consumer/datacentre generation plus PTX of the newest for future GPUs.
  if(TRTL_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "${TRTL_CUDA_ARCHITECTURES}")
  elseif(NOT CMAKE_CUDA_ARCHITECTURES)
    execute_process(COMMAND "${CMAKE_CUDA_COMPILER}" --list-gpu-arch OUTPUT_VARIABLE _trtl_archs ERROR_QUIET)
    set(CMAKE_CUDA_ARCHITECTURES "")
    foreach(_a 70 75 80 86 89 90 100 120)
      if(_trtl_archs MATCHES "compute_${_a}")
        list(APPEND CMAKE_CUDA_ARCHITECTURES "${_a}-real")
        set(_trtl_newest ${_a})
      endif()
    endforeach()
    if(_trtl_newest)
      list(APPEND CMAKE_CUDA_ARCHITECTURES "${_trtl_newest}-virtual")
    else()
      set(CMAKE_CUDA_ARCHITECTURES "75")
    endif()
  endif()
  # Static cudart: the addon then loads on machines without the CUDA runtime or driver; cudart itself dlopens
  # libcuda.so.1 on first use and reports "driver insufficient" / "no device" as ordinary errors.
  set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  set(CMAKE_CUDA_VISIBILITY_PRESET hidden)
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  # Recorded for scripts/prebuild.js (build metadata beside each prebuilt binary).
  set(TRTL_CUDA_ARCHITECTURES_USED "${CMAKE_CUDA_ARCHITECTURES}" CACHE INTERNAL "CUDA architectures compiled")
  set(_trtl_cuda_found ON)
endif()

# ---- TensorRT headers ----------------------------------------------------------------------------------------------
set(_trtl_trt_include "")
set(_trtl_trt_reason "")
if(_trtl_cuda_found)
  if(NOT TENSORRT_ROOT AND DEFINED ENV{TENSORRT_ROOT})
    set(TENSORRT_ROOT "$ENV{TENSORRT_ROOT}")
  endif()
  if(NOT TRTL_WITH_TENSORRT)
    set(_trtl_trt_reason "built without TensorRT (-DTRTL_WITH_TENSORRT=OFF)")
  else()
    if(TENSORRT_ROOT)
      set(_trtl_trt_candidates "${TENSORRT_ROOT}/include" "${TENSORRT_ROOT}")
      set(_trtl_trt_where "TENSORRT_ROOT=${TENSORRT_ROOT}")
    elseif(TRTL_TENSORRT_DEFAULT_PATHS)
      set(_trtl_trt_candidates /usr/local/tensorrt/include "/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}"
          /usr/include/x86_64-linux-gnu /usr/include/aarch64-linux-gnu /opt/tensorrt/include /usr/include)
      set(_trtl_trt_where "TENSORRT_ROOT unset; searched /usr/local/tensorrt, /usr/include/<arch>, /opt/tensorrt")
    else()
      set(_trtl_trt_candidates "")
      set(_trtl_trt_where "TENSORRT_ROOT unset and -DTRTL_TENSORRT_DEFAULT_PATHS=OFF")
    endif()
    foreach(_d ${_trtl_trt_candidates})
      if(NOT _trtl_trt_include AND EXISTS "${_d}/NvInfer.h" AND EXISTS "${_d}/NvInferVersion.h"
         AND EXISTS "${_d}/NvOnnxParser.h")
        set(_trtl_trt_include "${_d}")
      endif()
    endforeach()
    if(NOT _trtl_trt_include)
      set(_trtl_trt_reason "built without TensorRT: no NvInfer.h + NvOnnxParser.h headers found at build time (${_trtl_trt_where})")
    endif()
  endif()
endif()

set(_trtl_trt_major "")
if(_trtl_trt_include)
  file(STRINGS "${_trtl_trt_include}/NvInferVersion.h" _trtl_ver REGEX "#define (NV_TENSORRT|TRT)_(MAJOR|MINOR|PATCH)(_ENTERPRISE)? +[0-9]+")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX MATCH "#define (NV_TENSORRT_${_part}|TRT_${_part}_ENTERPRISE) +([0-9]+)" _m "${_trtl_ver}")
    set(_trtl_trt_${_part} "${CMAKE_MATCH_2}")
  endforeach()
  set(_trtl_trt_major "${_trtl_trt_MAJOR}")
  if(NOT _trtl_trt_major MATCHES "^[0-9]+$" OR _trtl_trt_major LESS 10)
    set(_trtl_trt_reason "built without TensorRT: ${_trtl_trt_include} holds TensorRT '${_trtl_trt_major}' headers; 10.x or 11.x needed")
    set(_trtl_trt_include "")
    set(_trtl_trt_major "")
  endif()
endif()

# ---- Results -------------------------------------------------------------------------------------------------------
if(_trtl_cuda_found)
  set(TRTL_VARIANT "cuda${CUDAToolkit_VERSION_MAJOR}")
  trtl_sources(TRTL_GPU_SOURCES cuda kernels)
  set(TRTL_GPU_INCLUDES ${CUDAToolkit_INCLUDE_DIRS})
  set(TRTL_GPU_LIBS CUDA::cudart_static ${CMAKE_DL_LIBS})
  set(TRTL_CUDA_VERSION "${CUDAToolkit_VERSION_MAJOR}.${CUDAToolkit_VERSION_MINOR}")
  if(_trtl_trt_include)
    trtl_sources(_trtl_trt_sources tensorrt)
    list(APPEND TRTL_GPU_SOURCES ${_trtl_trt_sources})
    list(APPEND TRTL_GPU_INCLUDES "${_trtl_trt_include}")
    set(TRTL_TENSORRT_MAJOR "${_trtl_trt_major}")
    set(TRTL_TENSORRT_HEADERS "${_trtl_trt_MAJOR}.${_trtl_trt_MINOR}.${_trtl_trt_PATCH}")
    message(STATUS "trt-landmarker GPU: CUDA ${CUDAToolkit_VERSION} kernels for ${CMAKE_CUDA_ARCHITECTURES}; "
                   "TensorRT backend compiled against TensorRT ${_trtl_trt_MAJOR}.${_trtl_trt_MINOR}.${_trtl_trt_PATCH} "
                   "headers in ${_trtl_trt_include} (libnvinfer.so.${_trtl_trt_major} is loaded at run time, not linked)")
  else()
    set(TRTL_TENSORRT_ABSENT_REASON "${_trtl_trt_reason}")
    message(STATUS "trt-landmarker GPU: CUDA ${CUDAToolkit_VERSION} kernels for ${CMAKE_CUDA_ARCHITECTURES}; "
                   "TensorRT backend NOT built: ${_trtl_trt_reason}")
  endif()
else()
  set(TRTL_VARIANT "cpu")
  message(STATUS "trt-landmarker GPU: NOT built (${TRTL_GPU_ABSENT_REASON}); the addon is CPU-only")
endif()
