// TensorRT's public headers, compiled as system headers: their inline code trips -Wall -Wextra (unused
// parameters, deprecated enums) and that noise would hide our own warnings.
#pragma once
#if defined(__GNUC__)
#pragma GCC system_header
#endif
#include <NvInfer.h>
#include <NvOnnxParser.h>
