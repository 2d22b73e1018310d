// The facts of this build. CMake builds write them into a generated header (cmake/build_info.cmake) and define
// TRTL_GENERATED_BUILD_INFO; binding.gyp's portable CPU build defines its two fixed strings on the command line.
#pragma once

#ifdef TRTL_GENERATED_BUILD_INFO
#include "trtl_build_info.h"
#endif

#ifndef TRTL_VERSION
#define TRTL_VERSION "0.0.0"
#endif
#ifndef TRTL_VARIANT
#define TRTL_VARIANT "cpu"
#endif
#ifndef TRTL_GPU_ABSENT_REASON
#define TRTL_GPU_ABSENT_REASON "addon built without GPU support"
#endif
