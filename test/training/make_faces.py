"""Writes small synthetic annotated faces for the training smoke tier (no data from ../shared).

  python3 make_faces.py OUT_DIR COUNT SEED

OUT_DIR/pts/face_K.png + face_K.pts (300W format, 68 points, 1-indexed) and OUT_DIR/fakeit/00000K.png +
00000K_ldmks.txt (70 points, 0-indexed). Each face is models/meanface.py's template face, scaled, shifted and
rotated at random, drawn as bright dots (one colour per facial part) on a noisy background: the points are
visible in the pixels, so a network can learn them and its loss must fall.
"""
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'models'))
from meanface import template_face  # noqa: E402

PARTS = [(0, 17, (255, 80, 80)), (17, 27, (80, 255, 80)), (27, 36, (80, 80, 255)), (36, 48, (255, 255, 80)),
         (48, 68, (255, 80, 255)), (68, 70, (80, 255, 255))]


def face(rng, size):
    pts = template_face(70)
    side = size * rng.uniform(0.45, 0.6)
    a = math.radians(rng.uniform(-15, 15))
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    centre = size / 2 + rng.uniform(-0.08, 0.08, 2) * size
    return (pts - 0.5) @ rot.T * side + centre


def main(out, count, seed, size=96):
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(out, 'pts'), exist_ok=True)
    os.makedirs(os.path.join(out, 'fakeit'), exist_ok=True)
    for k in range(count):
        pts = face(rng, size)
        bg = rng.integers(40, 120, (size, size, 3), dtype=np.uint8)
        img = Image.fromarray(bg)
        draw = ImageDraw.Draw(img)
        for lo, hi, colour in PARTS:
            for x, y in pts[lo:hi]:
                draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=colour)
        img.save(os.path.join(out, 'pts', 'face_%d.png' % k))
        img.save(os.path.join(out, 'fakeit', '%06d.png' % k))
        with open(os.path.join(out, 'pts', 'face_%d.pts' % k), 'w') as f:
            f.write('version: 1\nn_points: 68\n{\n')
            f.writelines('%.3f %.3f\n' % (x + 1, y + 1) for x, y in pts[:68])
            f.write('}\n')
        with open(os.path.join(out, 'fakeit', '%06d_ldmks.txt' % k), 'w') as f:
            f.writelines('%.3f %.3f\n' % (x, y) for x, y in pts)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
