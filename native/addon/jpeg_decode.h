// JPEG decoding with DCT scaling and region cropping, for large photos (src/detector/photo.ts): the detector's
// input from a decode at 1/2, 1/4 or 1/8, then only the rows and columns that hold the faces. libjpeg-turbo is
// loaded at run time (dlopen of the soname matching the jpeglib.h the addon was built against, e.g.
// libjpeg.so.62), never linked: an addon whose machine lacks it still loads, and photos fall back to sharp.
// Compared with going through sharp, this saves libvips' pipeline around the same libjpeg calls, and
// jpeg_crop_scanline / jpeg_skip_scanlines skip the inverse DCT and colour conversion outside the region.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace trtl {

// Whether the decoder can run here, and what it is ("libjpeg-turbo (libjpeg.so.62, built against jpeglib.h of
// libjpeg-turbo 2.1.5, API 62)") or why not ("built without jpeglib.h ...", "libjpeg.so.62: cannot open ...").
struct JpegDecoderStatus {
  bool available = false;
  std::string detail;
};
// Loads the library on first use (thread-safe), then answers from that attempt.
const JpegDecoderStatus& JpegDecoder();

// Rectangle in pixels of the scaled image.
struct JpegRegion {
  int left = 0, top = 0, width = 0, height = 0;
};

struct JpegImage {
  std::unique_ptr<uint8_t[]> rgb;  // width * height * 3, tightly packed
  int width = 0, height = 0;
};

struct JpegDecoded {
  // Size of the whole image at this scale (ceil(W / shrink) x ceil(H / shrink)).
  int scaled_width = 0, scaled_height = 0;
  std::vector<JpegImage> images;  // one per region, or the whole image
};

// Decodes `bytes` at 1 / shrink (shrink 1, 2, 4 or 8) to RGB: the whole image when `regions` is empty, else each
// region (they may overlap) in one pass over the rows from the first region's top to the last one's bottom, the
// columns cropped to their union. Each region is its own small buffer: a photo's faces cost a few hundred
// kilobytes each instead of one allocation the size of the rows holding them (fresh pages are slow to fault in).
// Throws CoreError: ERR_IMAGE_DECODE for anything libjpeg rejects or warns about (truncated or corrupt data; a
// warning is an error, as with sharp's failOn: 'warning'), ERR_OUT_OF_RANGE for a region outside the scaled
// image, an image over `max_pixels` (at this scale) or memory that cannot be had, ERR_BACKEND_UNAVAILABLE when the
// decoder is not available.
JpegDecoded DecodeJpeg(const uint8_t* bytes, size_t size, int shrink, const std::vector<JpegRegion>& regions,
                       uint64_t max_pixels);

}  // namespace trtl
