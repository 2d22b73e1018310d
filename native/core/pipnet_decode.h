// CPU reference PIPNet decoding, exactly as the official PIPNet code does it (forward_pip + the neighbour
// merge of its demo/test scripts), then mapped back to frame pixels through the crop. Plain loops on purpose:
// this is the reference the CUDA kernel is checked against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "frame_format.h"

namespace trtl {

struct PipnetParams {
  int landmarks = 0;                        // L
  int neighbors = 0;                        // nb (num_nb)
  int grid_width = 0;                       // w of the score map
  int grid_height = 0;                      // h of the score map
  int max_len = 0;                          // entries per landmark in the reverse index
  const int32_t* reverse_index1 = nullptr;  // [L * max_len]: which landmark's neighbour prediction
  const int32_t* reverse_index2 = nullptr;  // [L * max_len]: which of its neighbour slots
  size_t reverse_index1_size = 0;
  size_t reverse_index2_size = 0;
};

// The five heads, NCHW float32: cls/x/y are [B, L, h, w]; nb_x/nb_y are [B, L * nb, h, w] with channel
// i * nb + j holding neighbour j of landmark i.
struct PipnetHeads {
  const float* cls = nullptr;
  const float* x = nullptr;
  const float* y = nullptr;
  const float* nb_x = nullptr;
  const float* nb_y = nullptr;
  size_t cls_size = 0, x_size = 0, y_size = 0, nb_x_size = 0, nb_y_size = 0;
};

// Throws CoreError (ERR_OUT_OF_RANGE) unless every size agrees with batch/params and every reverse index
// entry is in range.
void ValidatePipnet(const PipnetHeads& heads, size_t batch, const std::vector<Crop>& crops,
                    const PipnetParams& p);

// points: [batch * L * 2] frame-pixel x,y; scores: [batch * L] the score-map value at the argmax.
// Validates first.
void DecodePipnet(const PipnetHeads& heads, size_t batch, const std::vector<Crop>& crops,
                  const PipnetParams& p, float* points, float* scores);

}  // namespace trtl
