#include "jpeg_decode.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>

#include "../core/errors.h"

// jpeglib.h is the only build requirement (libjpeg-turbo's development package, e.g. libjpeg62-turbo-dev or
// libjpeg-turbo8-dev); without it the addon builds and JpegDecoder() says so.
#if defined(__has_include)
#if __has_include(<jpeglib.h>) && !defined(_WIN32)
#define TRTL_HAVE_JPEGLIB 1
#endif
#endif

#ifdef TRTL_HAVE_JPEGLIB
#include <dlfcn.h>
#include <setjmp.h>

#include <cstdio>  // jpeglib.h uses FILE without including it
#include <jpeglib.h>
#endif

namespace trtl {

namespace {
constexpr const char* kErrImageDecode = "ERR_IMAGE_DECODE";
constexpr const char* kErrBackendUnavailable = "ERR_BACKEND_UNAVAILABLE";
}  // namespace

#ifndef TRTL_HAVE_JPEGLIB

const JpegDecoderStatus& JpegDecoder() {
  static const JpegDecoderStatus status{
      false, "built without jpeglib.h (install libjpeg-turbo's development package, e.g. libjpeg62-turbo-dev, and "
             "rebuild: npm run build:native)"};
  return status;
}

JpegDecoded DecodeJpeg(const uint8_t*, size_t, int, const std::vector<JpegRegion>&, uint64_t) {
  throw CoreError(kErrBackendUnavailable, "JPEG decoder unavailable: " + JpegDecoder().detail);
}

#else

namespace {

#define TRTL_STR2(x) #x
#define TRTL_STR(x) TRTL_STR2(x)

// The soname whose ABI (struct layouts, JPEG_LIB_VERSION) matches the header compiled against.
#if JPEG_LIB_VERSION >= 80
constexpr const char* kSoname = "libjpeg.so.8";
#elif JPEG_LIB_VERSION >= 70
constexpr const char* kSoname = "libjpeg.so.7";
#else
constexpr const char* kSoname = "libjpeg.so.62";
#endif

// The entry points used; jpeg_crop_scanline and jpeg_skip_scanlines are libjpeg-turbo's (1.5 and later).
struct JpegApi {
  jpeg_error_mgr* (*std_error)(jpeg_error_mgr*);
  void (*create_decompress)(j_decompress_ptr, int, size_t);
  void (*destroy_decompress)(j_decompress_ptr);
  void (*abort_decompress)(j_decompress_ptr);
  void (*mem_src)(j_decompress_ptr, const unsigned char*, unsigned long);
  int (*read_header)(j_decompress_ptr, boolean);
  void (*calc_output_dimensions)(j_decompress_ptr);
  boolean (*start_decompress)(j_decompress_ptr);
  JDIMENSION (*read_scanlines)(j_decompress_ptr, JSAMPARRAY, JDIMENSION);
  JDIMENSION (*skip_scanlines)(j_decompress_ptr, JDIMENSION);
  void (*crop_scanline)(j_decompress_ptr, JDIMENSION*, JDIMENSION*);
};

struct Loaded {
  JpegApi api{};
  JpegDecoderStatus status;
};

template <typename Fn>
bool Bind(void* lib, const char* name, Fn* out, std::string* missing) {
  *out = reinterpret_cast<Fn>(dlsym(lib, name));
  if (!*out) *missing += std::string(missing->empty() ? "" : ", ") + name;
  return *out != nullptr;
}

Loaded Load() {
  Loaded l;
  // RTLD_LOCAL: these symbols must not interpose on another copy of libjpeg in the process (sharp's libvips).
  void* lib = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = dlerror();
    l.status.detail = std::string(kSoname) + " could not be loaded (" + (e ? e : "unknown error") +
                      "): JPEG photos are decoded with sharp instead";
    return l;
  }
  std::string missing;
  JpegApi& a = l.api;
  Bind(lib, "jpeg_std_error", &a.std_error, &missing);
  Bind(lib, "jpeg_CreateDecompress", &a.create_decompress, &missing);
  Bind(lib, "jpeg_destroy_decompress", &a.destroy_decompress, &missing);
  Bind(lib, "jpeg_abort_decompress", &a.abort_decompress, &missing);
  Bind(lib, "jpeg_mem_src", &a.mem_src, &missing);
  Bind(lib, "jpeg_read_header", &a.read_header, &missing);
  Bind(lib, "jpeg_calc_output_dimensions", &a.calc_output_dimensions, &missing);
  Bind(lib, "jpeg_start_decompress", &a.start_decompress, &missing);
  Bind(lib, "jpeg_read_scanlines", &a.read_scanlines, &missing);
  Bind(lib, "jpeg_skip_scanlines", &a.skip_scanlines, &missing);
  Bind(lib, "jpeg_crop_scanline", &a.crop_scanline, &missing);
  if (!missing.empty()) {
    // Left loaded (as the TensorRT loader does): unloading a half-bound library buys nothing.
    l.status.detail = std::string(kSoname) + " lacks " + missing +
                      " (libjpeg-turbo 1.5 or later is needed): JPEG photos are decoded with sharp instead";
    return l;
  }
  l.status.available = true;
  l.status.detail = std::string("libjpeg-turbo (") + kSoname + ", built against jpeglib.h API " +
                    TRTL_STR(JPEG_LIB_VERSION)
#ifdef LIBJPEG_TURBO_VERSION
                    + " of libjpeg-turbo " TRTL_STR(LIBJPEG_TURBO_VERSION)
#endif
                    + ")";
  return l;
}

const Loaded& Library() {
  static std::once_flag once;
  static Loaded* loaded = nullptr;  // never freed: the library stays loaded for the process
  std::call_once(once, [] { loaded = new Loaded(Load()); });
  return *loaded;
}

// libjpeg reports errors through error_exit (which must not return) and warnings through emit_message(-1).
// Both jump back to the setjmp of the phase in progress with the message. Only libjpeg's C frames and these
// callbacks lie between setjmp and longjmp: no C++ object is skipped.
struct ErrorTrap {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void OnError(j_common_ptr ci) {
  ErrorTrap* t = reinterpret_cast<ErrorTrap*>(ci->err);
  t->mgr.format_message(ci, t->message);
  longjmp(t->jump, 1);
}

void OnMessage(j_common_ptr ci, int level) {
  if (level < 0) OnError(ci);  // a warning: corrupt or truncated data, which libjpeg would paint grey
}

// Phase 1: header and output size at 1/shrink. Returns false (message in trap) on a libjpeg error.
bool ReadHeader(const JpegApi& a, jpeg_decompress_struct* ci, ErrorTrap* trap, const uint8_t* bytes, size_t size,
                int shrink) {
  if (setjmp(trap->jump)) return false;
  a.mem_src(ci, bytes, static_cast<unsigned long>(size));
  a.read_header(ci, TRUE);
  ci->scale_num = 1;
  ci->scale_denom = static_cast<unsigned int>(shrink);
  ci->out_color_space = JCS_RGB;  // grayscale is replicated, YCbCr converted; CMYK/YCCK are an error
  ci->dct_method = JDCT_ISLOW;    // libjpeg's default and sharp's: the two decoders give the same pixels
  a.calc_output_dimensions(ci);
  return true;
}

// Where phase 2 writes one region: its rectangle and its buffer (region.width * 3 bytes per row).
struct RegionOut {
  JpegRegion r;
  uint8_t* out;
};

// Phase 2: every region's rows. `u` is the union of the regions.
bool ReadRegions(const JpegApi& a, jpeg_decompress_struct* ci, ErrorTrap* trap, const JpegRegion& u,
                 const RegionOut* regions, size_t count) {
  if (setjmp(trap->jump)) return false;
  a.start_decompress(ci);
  // The crop and the skipped rows are widened by a margin: chroma upsampling ("fancy", a triangle filter) reads
  // neighbouring chroma samples, which libjpeg replicates at a crop's edge and at the first row after a skip, so
  // pixels within a few rows or columns of those edges would differ from a whole decode. With the margin every
  // region is bit-identical to the same rectangle of a whole decode (test/addon/jpeg-decode.test.ts).
  constexpr int kMargin = 16;
  const int out_w = static_cast<int>(ci->output_width);
  const int left = u.left > kMargin ? u.left - kMargin : 0;
  const int right = u.left + u.width + kMargin < out_w ? u.left + u.width + kMargin : out_w;
  JDIMENSION x = static_cast<JDIMENSION>(left);
  JDIMENSION w = static_cast<JDIMENSION>(right - left);
  if (w < ci->output_width) a.crop_scanline(ci, &x, &w);  // widened to iMCU boundaries: x <= left, w >= width
  JSAMPARRAY row = (*ci->mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(ci), JPOOL_IMAGE,
                                           static_cast<JDIMENSION>(w * 3), 1);
  const JDIMENSION first = static_cast<JDIMENSION>(u.top > kMargin ? u.top - kMargin : 0);
  JDIMENSION y = 0;
  while (y < first) {
    const JDIMENSION n = a.skip_scanlines(ci, first - y);
    if (n == 0) return false;  // only past the last row, which checked regions never ask for
    y += n;
  }
  for (; y < static_cast<JDIMENSION>(u.top); ++y) {
    if (a.read_scanlines(ci, row, 1) != 1) return false;
  }
  for (; y < static_cast<JDIMENSION>(u.top + u.height); ++y) {
    if (a.read_scanlines(ci, row, 1) != 1) return false;
    for (size_t i = 0; i < count; ++i) {
      const JpegRegion& r = regions[i].r;
      if (static_cast<int>(y) < r.top || static_cast<int>(y) >= r.top + r.height) continue;
      std::memcpy(regions[i].out + static_cast<size_t>(static_cast<int>(y) - r.top) * r.width * 3,
                  row[0] + static_cast<size_t>(r.left - static_cast<int>(x)) * 3, static_cast<size_t>(r.width) * 3);
    }
  }
  return true;
}

// Owns the decompressor; destroying it frees everything libjpeg allocated, whichever phase failed.
class Decompressor {
 public:
  explicit Decompressor(const JpegApi& a) : a_(a) {
    ci_.err = a.std_error(&trap_.mgr);
    trap_.mgr.error_exit = OnError;
    trap_.mgr.emit_message = OnMessage;
    trap_.message[0] = '\0';
    created_ = CreateTrapped();
  }
  ~Decompressor() {
    if (created_) a_.destroy_decompress(&ci_);
  }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  jpeg_decompress_struct* get() { return &ci_; }
  ErrorTrap* trap() { return &trap_; }
  bool created() const { return created_; }
  std::string message() const { return trap_.message[0] ? trap_.message : "libjpeg failed"; }

 private:
  bool CreateTrapped() {
    if (setjmp(trap_.jump)) return false;  // e.g. the library's struct size differs from the header's
    a_.create_decompress(&ci_, JPEG_LIB_VERSION, sizeof(ci_));
    return true;
  }

  const JpegApi& a_;
  jpeg_decompress_struct ci_{};
  ErrorTrap trap_{};
  bool created_ = false;
};

[[noreturn]] void Fail(const std::string& what) {
  throw CoreError(kErrImageDecode, "Cannot decode JPEG: " + what);
}

}  // namespace

const JpegDecoderStatus& JpegDecoder() { return Library().status; }

JpegDecoded DecodeJpeg(const uint8_t* bytes, size_t size, int shrink, const std::vector<JpegRegion>& regions,
                       uint64_t max_pixels) {
  const Loaded& l = Library();
  if (!l.status.available) throw CoreError(kErrBackendUnavailable, "JPEG decoder unavailable: " + l.status.detail);
  if (shrink != 1 && shrink != 2 && shrink != 4 && shrink != 8)
    throw CoreError(kErrInvalidArgValue, "Expected 1, 2, 4 or 8 for `shrink` but received " + std::to_string(shrink));
  if (!bytes || size == 0) Fail("no data");

  Decompressor d(l.api);
  if (!d.created()) Fail(d.message());
  if (!ReadHeader(l.api, d.get(), d.trap(), bytes, size, shrink)) Fail(d.message());

  JpegDecoded out;
  const int W = static_cast<int>(d.get()->output_width);
  const int H = static_cast<int>(d.get()->output_height);
  out.scaled_width = W;
  out.scaled_height = H;
  if (static_cast<uint64_t>(W) * H > max_pixels)
    throw CoreError(kErrOutOfRange, "JPEG of " + std::to_string(W) + "x" + std::to_string(H) + " pixels at 1/" +
                                        std::to_string(shrink) + " exceeds the limit of " + std::to_string(max_pixels) +
                                        " pixels");
  std::vector<JpegRegion> wanted = regions;
  if (wanted.empty()) wanted.push_back({0, 0, W, H});
  JpegRegion u = wanted[0];
  int right = 0, bottom = 0;
  for (size_t i = 0; i < wanted.size(); ++i) {
    const JpegRegion& r = wanted[i];
    if (r.left < 0 || r.top < 0 || r.width < 1 || r.height < 1 || r.left > W - r.width || r.top > H - r.height)
      throw CoreError(kErrOutOfRange, "Expected regions inside the " + std::to_string(W) + "x" + std::to_string(H) +
                                          " image at 1/" + std::to_string(shrink) + " but region " +
                                          std::to_string(i) + " is " + std::to_string(r.left) + "," +
                                          std::to_string(r.top) + " " + std::to_string(r.width) + "x" +
                                          std::to_string(r.height));
    u.left = std::min(u.left, r.left);
    u.top = std::min(u.top, r.top);
    right = std::max(right, r.left + r.width);
    bottom = std::max(bottom, r.top + r.height);
  }
  u.width = right - u.left;
  u.height = bottom - u.top;

  std::vector<RegionOut> targets;
  for (const JpegRegion& r : wanted) {
    JpegImage img;
    img.width = r.width;
    img.height = r.height;
    img.rgb.reset(new (std::nothrow) uint8_t[static_cast<size_t>(r.width) * r.height * 3]);
    if (!img.rgb)
      throw CoreError(kErrOutOfRange, "Cannot allocate the decoded JPEG (" + std::to_string(r.width) + "x" +
                                          std::to_string(r.height) + " RGB)");
    targets.push_back({r, img.rgb.get()});
    out.images.push_back(std::move(img));
  }
  if (!ReadRegions(l.api, d.get(), d.trap(), u, targets.data(), targets.size())) Fail(d.message());
  // Rows below the last region are never decoded; abort ends the decompression without reading them.
  l.api.abort_decompress(d.get());
  return out;
}

#endif  // TRTL_HAVE_JPEGLIB

}  // namespace trtl
