"""Mean face for PIPNet: L x 2 landmark positions normalised 0..1 to the face crop.

PIPNet derives each landmark's neighbours (nearest points of the mean face) from it, so a checkpoint must be
exported with the mean face it was trained with (--meanface, PIPNet's meanface.txt). For random-weight
exports it is either averaged from annotations (--meanface-from DIR) or built from the template below.

Normalisation follows PIPNet's 300W preprocessing: the landmark bounding box, enlarged by 1.1 about its
centre (each axis on its own), maps to 0..1. (PIPNet also truncates the box to integers and clips it to the
image; that needs the photos and changes the mean by well under 1 %, so it is left out here.)
"""
import glob
import math
import os

import numpy as np

PIPNET_BOX_SCALE = 1.1


def read_meanface(path, landmarks):
    """PIPNet's meanface.txt: whitespace-separated x y values (normally one line), normalised 0..1."""
    with open(path) as f:
        tokens = f.read().split()
    try:
        values = [float(t) for t in tokens]
    except ValueError as e:
        raise ValueError('%s: not a list of numbers (%s)' % (path, e))
    if len(values) != 2 * landmarks:
        raise ValueError('%s: expected %d values (%d landmarks x 2) but found %d'
                         % (path, 2 * landmarks, landmarks, len(values)))
    face = np.array(values, dtype=np.float64).reshape(-1, 2)
    if not np.all(np.isfinite(face)):
        raise ValueError('%s: contains non-finite values' % path)
    return face


def normalise_to_box(points, scale=PIPNET_BOX_SCALE):
    """Map points into the landmark box of the first 68 points enlarged by `scale` about its centre."""
    ref = points[:68]
    lo, hi = ref.min(axis=0), ref.max(axis=0)
    size = (hi - lo) * scale
    origin = (lo + hi) / 2 - size / 2
    if np.any(size <= 0):
        raise ValueError('degenerate landmark box')
    return (points - origin) / size


def with_pupils(points68):
    """Fake-It's 70-point layout adds the two pupils (68: eye 36-41, 69: eye 42-47); use the eye centroids."""
    return np.vstack([points68, points68[36:42].mean(axis=0), points68[42:48].mean(axis=0)])


def _read_pts(path):
    with open(path) as f:
        text = f.read()
    if '{' in text:  # 300W format: header, then "x y" lines between braces
        text = text[text.index('{') + 1:text.rindex('}')]
    values = [float(t) for t in text.split()]
    if len(values) % 2:
        raise ValueError('%s: odd number of coordinates' % path)
    return np.array(values).reshape(-1, 2)


def meanface_from_dir(folder, landmarks):
    """Average of the box-normalised faces in `folder` (300W *.pts or Fake-It *_ldmks.txt files)."""
    files = sorted(glob.glob(os.path.join(folder, '*.pts')) + glob.glob(os.path.join(folder, '*_ldmks.txt')))
    if not files:
        raise ValueError('%s: no *.pts or *_ldmks.txt annotation files' % folder)
    faces = []
    for path in files:
        pts = _read_pts(path)
        if pts.shape[0] < 68:
            raise ValueError('%s: %d points, expected 68 or 70' % (path, pts.shape[0]))
        pts = pts[:70]
        if landmarks == 68:
            pts = pts[:68]
        elif pts.shape[0] == 68:
            pts = with_pupils(pts)
        faces.append(normalise_to_box(pts))
    return np.mean(faces, axis=0)


def _ellipse(cx, cy, ax, ay_up, ay_down, degrees):
    """Points on an ellipse in image orientation (y down); separate radii above/below the centre."""
    out = []
    for d in degrees:
        t = math.radians(d)
        s = math.sin(t)
        out.append((cx + ax * math.cos(t), cy + (ay_up if s < 0 else ay_down) * s))
    return out


def template_face(landmarks=68):
    """A plausible frontal face in iBUG 68-point order (+ 2 pupils for 70), box-normalised like PIPNet's.

    Hand-made geometry (not derived from any data set): it only has to give every landmark sensible
    nearest neighbours, which is all PIPNet uses the mean face for.
    """
    pts = []
    # Proportions (face box 0..1): brows ~0.08, eyes 0.24, nose tip 0.44, mouth 0.66, chin at the bottom.
    # 0-16 jaw: lower arc of an ellipse from the right ear (image left) over the chin to the left ear.
    d = 0.07
    for i in range(17):
        phi = (math.pi + d) - i / 16 * (math.pi + 2 * d)
        pts.append((0.5 + 0.46 * math.cos(phi), 0.28 + 0.675 * math.sin(phi)))
    # 17-21 right brow, 22-26 left brow (image left to right), arched.
    for x0 in (0.13, 0.57):
        for i in range(5):
            u = i / 4
            pts.append((x0 + 0.30 * u, 0.11 - 0.05 * math.sin(math.pi * u)))
    # 27-30 nose bridge, top to tip.
    for i in range(4):
        pts.append((0.5, 0.22 + i * 0.073))
    # 31-35 lower nose, image left to right; the middle point lowest.
    for i, x in enumerate((0.41, 0.455, 0.5, 0.545, 0.59)):
        pts.append((x, 0.50 + 0.02 * (1 - abs(i - 2) / 2)))
    # 36-41 right eye (outer corner, two upper, inner corner, two lower); 42-47 left eye (inner corner first).
    angles = (180, 240, 300, 0, 60, 120)
    pts += _ellipse(0.31, 0.24, 0.085, 0.035, 0.03, angles)
    pts += _ellipse(0.69, 0.24, 0.085, 0.035, 0.03, angles)
    # 48-59 outer lips (left corner, upper lip, right corner, lower lip); 60-67 inner lips.
    pts += _ellipse(0.5, 0.65, 0.16, 0.045, 0.075, range(180, 540, 30))
    pts += _ellipse(0.5, 0.65, 0.11, 0.015, 0.02, range(180, 540, 45))
    face = np.array(pts, dtype=np.float64)
    assert face.shape == (68, 2)
    if landmarks == 70:
        face = with_pupils(face)
    return normalise_to_box(face)


def neighbour_indices(face, num_nb):
    """PIPNet's neighbour rule (for checks and docs): per landmark the num_nb nearest others, by distance."""
    d = ((face[:, None, :] - face[None, :, :]) ** 2).sum(axis=2)
    return np.argsort(d, axis=1, kind='stable')[:, 1:1 + num_nb]
