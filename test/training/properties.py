"""Properties of the training pieces, checked by test/training/train.slow.test.ts (prints one JSON line).

- PIPNet: targets made from points, fed back as if they were the network's outputs (score 1 at the target cell,
  the target offsets), decode to the same points: make_targets and decode (= the addon's decoding) agree.
- Flip: FLIP_68 / FLIP_70 are involutions that pair left with right, and a mirrored symmetric template face,
  remapped, lands on itself.
- Crop + warp: without augmentation the plain crop puts the landmarks where the contract says (x = crop.x + n * side).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'models'))
from meanface import template_face  # noqa: E402
from training import augment, pipnet  # noqa: E402


def pip_roundtrip():
    face = pipnet.mean_face(template_face(68)[None])
    nb = pipnet.neighbour_indices(face, 10)
    rev = pipnet.reverse_index(nb)
    g = torch.Generator().manual_seed(3)
    pts = (torch.from_numpy(face).float()[None] + (torch.rand(4, 68, 2, generator=g) - 0.5) * 0.08).clamp(0.01, 0.99)
    out = pipnet.decode(pipnet.make_targets(pts, nb, 8), nb, rev)
    return float((out - pts).abs().max())


def flip_checks():
    res = {}
    for name, f in (('68', augment.FLIP_68), ('70', augment.FLIP_70)):
        res['involution' + name] = all(f[f[i]] == i for i in range(len(f))) and sorted(f) == list(range(len(f)))
    face = template_face(70)
    mirrored = face.copy()
    mirrored[:, 0] = 1 - mirrored[:, 0]
    res['templateMirrorError'] = float(np.abs(mirrored[augment.FLIP_70] - face).max())
    return res


def crop_check():
    pts = np.array(template_face(68)) * 120 + 40
    img = torch.zeros(3, 200, 200, dtype=torch.uint8)
    x, y = np.round(pts[30]).astype(int)  # one bright pixel on the nose tip
    img[:, y, x] = 255

    class S:
        points = pts
        image = img
    inp, target, window = augment.make_example(S, 64, 1.6)
    cx, cy, side = window
    bright = (inp[0] == inp[0].max()).nonzero()[0].float()  # row, col of the brightest input pixel
    expect = ((np.array([x, y]) + 0.5 - np.array([cx, cy])) / side * 64 - 0.5)
    return {'targetVsPoint': float(np.abs(target.numpy() * side + np.array([cx, cy]) - pts).max()),
            'brightPixelOffset': float(np.abs(bright.numpy()[::-1] - expect).max())}


print(json.dumps({'pipRoundTrip': pip_roundtrip(), 'flip': flip_checks(), 'crop': crop_check()}))
