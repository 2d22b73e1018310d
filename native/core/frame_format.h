// Pixel formats and crop windows shared by the CPU core and (later) the CUDA kernels.
// The numbering is part of the JS interface: src/native/addon.ts NativeFormat uses the same values.
#pragma once

#include <cstddef>
#include <cstdint>

namespace trtl {

enum class FrameFormat : int { RGB = 0, BGR = 1, RGBA = 2, BGRA = 3, GRAY = 4 };

inline bool IsValidFormat(int value) { return value >= 0 && value <= 4; }

// Bytes per pixel of a tightly packed 8-bit frame.
inline int Channels(FrameFormat format) {
  switch (format) {
    case FrameFormat::RGB:
    case FrameFormat::BGR:
      return 3;
    case FrameFormat::RGBA:
    case FrameFormat::BGRA:
      return 4;
    case FrameFormat::GRAY:
      return 1;
  }
  return 0;
}

// Byte offsets of red, green and blue inside one pixel (all 0 for GRAY: gray is replicated to 3 channels).
struct ChannelOffsets {
  int r, g, b;
};

inline ChannelOffsets OffsetsOf(FrameFormat format) {
  switch (format) {
    case FrameFormat::RGB:
    case FrameFormat::RGBA:
      return {0, 1, 2};
    case FrameFormat::BGR:
    case FrameFormat::BGRA:
      return {2, 1, 0};
    case FrameFormat::GRAY:
      return {0, 0, 0};
  }
  return {0, 0, 0};
}

// Crop window in frame pixels; x, y = top-left. May extend outside the frame (outside is black).
struct Crop {
  double x = 0, y = 0, w = 0, h = 0;
};

// A borrowed view of one frame: tightly packed rows (stride = width * Channels(format)).
struct FrameView {
  const uint8_t* data = nullptr;
  size_t size = 0;  // bytes available at data
  int width = 0;
  int height = 0;
  FrameFormat format = FrameFormat::RGB;
};

}  // namespace trtl
