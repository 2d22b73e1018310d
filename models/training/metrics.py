"""NME as src/eval/metrics.ts defines it (docs/eval.md), on 0-indexed pixel coordinates.

  e_i = ||p_i - g_i||, d = inter-ocular distance (outer eye corners, 0-based points 36 and 45)
  NME  = (1/L) sum e_i / d          (the literature's, in %)
  NME2 = (1/L) sum (e_i / d)^2      (the reference report's squared variant, x 100; NOT comparable)

Scored points: the first 68 (iBUG) unless both model and data have 70. test/training/*.slow.test.ts checks this
against `trt-landmarker eval`'s report on the same predictions (agreement to 1e-6).
"""
import numpy as np

OUTER_EYE_CORNERS = (36, 45)


def face_errors(pred, gt):
    """pred, gt: [L, 2] float -> (nme, nme_squared) as fractions (not %), float64."""
    # The evaluation holds points in Float32Arrays and computes in double: round through float32 the same way.
    pred = np.asarray(pred, dtype=np.float32).astype(np.float64)
    gt = np.asarray(gt, dtype=np.float32).astype(np.float64)
    scored = 70 if pred.shape[0] >= 70 and gt.shape[0] >= 70 else 68
    a, b = OUTER_EYE_CORNERS
    d = float(np.hypot(gt[a, 0] - gt[b, 0], gt[a, 1] - gt[b, 1]))
    if not d > 0:
        return None
    e = np.hypot(pred[:scored, 0] - gt[:scored, 0], pred[:scored, 1] - gt[:scored, 1]) / d
    return float(e.mean()), float((e * e).mean())


def summarise(per_face):
    """per_face: list of (nme, nme2) or None -> dict in %, with the count of excluded faces."""
    ok = [f for f in per_face if f is not None]
    if not ok:
        raise ValueError('no face could be scored (every normalising distance was 0)')
    nme = np.array([f[0] for f in ok])
    nme2 = np.array([f[1] for f in ok])
    return {'nmePct': float(nme.mean() * 100), 'nmeMedianPct': float(np.median(nme) * 100),
            'nmeSquaredPct': float(nme2.mean() * 100), 'fr8Pct': float((nme > 0.08).mean() * 100),
            'fr10Pct': float((nme > 0.10).mean() * 100), 'faces': len(ok), 'excluded': len(per_face) - len(ok)}


def to_image(points_norm, window):
    """Normalised crop coordinates -> image pixels: x = crop.x + n * crop.w (src/input/crop.ts fromCrop)."""
    x, y, side = window
    return np.asarray(points_norm, dtype=np.float64) * side + np.array([x, y])
