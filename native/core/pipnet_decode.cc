#include "pipnet_decode.h"

#include <cmath>
#include <string>

#include "check.h"
#include "errors.h"

namespace trtl {

namespace {

void CheckSize(const char* name, size_t got, size_t want, const std::string& shape) {
  if (got != want) {
    FailRange(name, std::to_string(want) + " floats (" + shape + ")", std::to_string(got) + " floats");
  }
}

// torch.argmax over one score map: the FIRST index of the maximum. A NaN counts as larger than any number
// (torch propagates NaN through max/argmax), so the first NaN wins.
size_t ArgmaxFirst(const float* v, size_t n) {
  size_t best = 0;
  for (size_t k = 0; k < n; ++k) {
    if (std::isnan(v[k])) return k;
    if (v[k] > v[best]) best = k;
  }
  return best;
}

}  // namespace

void ValidatePipnet(const PipnetHeads& h, size_t batch, const std::vector<Crop>& crops,
                    const PipnetParams& p) {
  if (p.landmarks <= 0) FailRange("params.landmarks", "a positive integer", Num(p.landmarks));
  if (p.neighbors <= 0) FailRange("params.neighbors", "a positive integer", Num(p.neighbors));
  if (p.grid_width <= 0) FailRange("params.gridWidth", "a positive integer", Num(p.grid_width));
  if (p.grid_height <= 0) FailRange("params.gridHeight", "a positive integer", Num(p.grid_height));
  if (p.max_len < 0) FailRange("params.maxLen", "a non-negative integer", Num(p.max_len));
  if (batch == 0) FailRange("batch", "a positive integer", "0");
  if (crops.size() != batch) {
    FailRange("crops", std::to_string(batch) + " crops (one per batch item)", std::to_string(crops.size()));
  }
  for (size_t b = 0; b < batch; ++b) {
    const Crop& c = crops[b];
    CheckCrop("crops[" + std::to_string(b) + "]", c.x, c.y, c.w, c.h);
  }

  const size_t L = p.landmarks, nb = p.neighbors;
  const size_t hw = static_cast<size_t>(p.grid_width) * p.grid_height;
  const size_t map_size = CheckedProduct({batch, L, hw}, "heads.cls");
  const size_t nb_size = CheckedProduct({batch, L, nb, hw}, "heads.nbX");
  const size_t rev = CheckedProduct({L, static_cast<size_t>(p.max_len)}, "params.reverseIndex1");
  const std::string grid = std::to_string(p.grid_height) + ", " + std::to_string(p.grid_width) + "]";
  const std::string lshape = "[" + std::to_string(batch) + ", " + std::to_string(L) + ", " + grid;
  const std::string nbshape = "[" + std::to_string(batch) + ", " + std::to_string(L * nb) + ", " + grid;
  CheckSize("heads.cls", h.cls_size, map_size, lshape);
  CheckSize("heads.x", h.x_size, map_size, lshape);
  CheckSize("heads.y", h.y_size, map_size, lshape);
  CheckSize("heads.nbX", h.nb_x_size, nb_size, nbshape);
  CheckSize("heads.nbY", h.nb_y_size, nb_size, nbshape);
  if (!h.cls || !h.x || !h.y || !h.nb_x || !h.nb_y)
    throw CoreError(kErrInternal, "PIPNet head pointer is null");

  const std::string revshape = std::to_string(rev) + " entries (landmarks " + std::to_string(L) +
                               " x maxLen " + std::to_string(p.max_len) + ")";
  if (p.reverse_index1_size != rev)
    FailRange("params.reverseIndex1", revshape, std::to_string(p.reverse_index1_size));
  if (p.reverse_index2_size != rev)
    FailRange("params.reverseIndex2", revshape, std::to_string(p.reverse_index2_size));
  for (size_t k = 0; k < rev; ++k) {
    const int32_t r1 = p.reverse_index1[k], r2 = p.reverse_index2[k];
    if (r1 < 0 || static_cast<size_t>(r1) >= L) {
      FailRange("params.reverseIndex1[" + std::to_string(k) + "]",
                "a landmark index 0.." + std::to_string(L - 1), std::to_string(r1));
    }
    if (r2 < 0 || static_cast<size_t>(r2) >= nb) {
      FailRange("params.reverseIndex2[" + std::to_string(k) + "]",
                "a neighbour slot 0.." + std::to_string(nb - 1), std::to_string(r2));
    }
  }
}

void DecodePipnet(const PipnetHeads& h, size_t batch, const std::vector<Crop>& crops, const PipnetParams& p,
                  float* points, float* scores) {
  ValidatePipnet(h, batch, crops, p);
  const size_t L = p.landmarks, nb = p.neighbors;
  const size_t w = p.grid_width, hgt = p.grid_height, hw = w * hgt;

  // Normalised (0..1 of the model input) predictions of one batch item.
  std::vector<double> own_x(L), own_y(L), nb_x(L * nb), nb_y(L * nb);

  for (size_t b = 0; b < batch; ++b) {
    for (size_t i = 0; i < L; ++i) {
      const size_t map = (b * L + i) * hw;  // offset of landmark i's maps in cls/x/y
      const size_t k = ArgmaxFirst(h.cls + map, hw);
      // PIPNet: row = max_ids // tmp_width (floor division), col = max_ids % tmp_width.
      const size_t row = k / w;
      const size_t col = k % w;
      scores[b * L + i] = h.cls[map + k];
      own_x[i] = (static_cast<double>(col) + h.x[map + k]) / static_cast<double>(w);
      own_y[i] = (static_cast<double>(row) + h.y[map + k]) / static_cast<double>(hgt);
      for (size_t j = 0; j < nb; ++j) {
        // Neighbour maps are read at the landmark's own argmax (max_ids repeated num_nb times).
        const size_t nmap = (b * L * nb + i * nb + j) * hw;
        nb_x[i * nb + j] = (static_cast<double>(col) + h.nb_x[nmap + k]) / static_cast<double>(w);
        nb_y[i * nb + j] = (static_cast<double>(row) + h.nb_y[nmap + k]) / static_cast<double>(hgt);
      }
    }
    const Crop& crop = crops[b];
    for (size_t i = 0; i < L; ++i) {
      // Merge: mean of the own prediction and the max_len predictions other landmarks make for landmark i.
      // Padded (repeated) reverse entries are counted as many times as they appear, as in PIPNet.
      double sx = own_x[i], sy = own_y[i];
      for (int t = 0; t < p.max_len; ++t) {
        const size_t e = i * p.max_len + t;
        const size_t slot = static_cast<size_t>(p.reverse_index1[e]) * nb + p.reverse_index2[e];
        sx += nb_x[slot];
        sy += nb_y[slot];
      }
      const double n = 1.0 + p.max_len;
      const double nx = sx / n, ny = sy / n;
      points[(b * L + i) * 2] = static_cast<float>(crop.x + nx * crop.w);
      points[(b * L + i) * 2 + 1] = static_cast<float>(crop.y + ny * crop.h);
    }
  }
}

}  // namespace trtl
