// CPU reference preprocessing: frame -> crop -> bilinear resize -> (p * scale - mean) / std -> NCHW float32.
// This is the reference the CUDA kernel is checked against, so it is written plainly (double arithmetic, the
// per-pixel formula of docs/native.md). The per-column and per-row sampling terms are computed once per frame
// (tables) with that formula's own expressions and order, so the output is bit-identical to evaluating it per
// pixel. Semantics are documented in docs/native.md and src/native/addon.ts.
#pragma once

#include <cstddef>
#include <vector>

#include "frame_format.h"
#include "preprocess_params.h"

namespace trtl {

// Throws CoreError unless the frame's data holds width * height * channels bytes and its sizes are positive.
// `name` is used in the message (e.g. "frames[2]").
void ValidateFrame(const FrameView& frame, const char* name);
void ValidatePreprocessParams(const PreprocessParams& params);

// Number of floats Preprocess writes for `batch` frames: batch * 3 * height * width.
size_t PreprocessOutputSize(size_t batch, const PreprocessParams& params);

// Validates everything (frame sizes, crop count and values, params) without touching pixels. Call it on the
// JS thread before queueing asynchronous work so that bad input is reported synchronously.
void ValidatePreprocess(const std::vector<FrameView>& frames, const std::vector<Crop>& crops,
                        const PreprocessParams& params);

// Writes frames.size() images into out (PreprocessOutputSize floats), image b at out + b * 3 * H * W.
// Validates its input first (throws CoreError); never reads outside a frame's data.
void Preprocess(const std::vector<FrameView>& frames, const std::vector<Crop>& crops,
                const PreprocessParams& params, float* out, size_t out_size);

// One frame into one [3, H, W] image; no validation (callers use Preprocess).
void PreprocessOne(const FrameView& frame, const Crop& crop, const PreprocessParams& params, float* out);

}  // namespace trtl
