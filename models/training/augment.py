"""From a sample to a model input and its target: the contract's crop, augmentation, ImageNet normalisation.

The crop is the one trt-landmarker applies at inference (src/input/crop.ts, with the evaluation's ground-truth
box, src/eval/runner.ts gtBox): the bounding box of the 68 iBUG points, a square of side boxScale x its larger
side centred on it, resized to the input size with the addon's sampling (docs/native.md: output pixel ox samples
sx = crop.x + (ox + 0.5) * crop.w / width - 0.5, bilinear, neighbours clamped, black outside [-0.5, W - 0.5]).
Without augmentation the training input is therefore what inference sees (up to float rounding).

Targets are landmark positions normalised to the crop (x = crop.x + n * crop.w, the contract's 'normalized'
layout). Geometric augmentations are affine maps of that normalised frame, composed into one warp, so image and
points move together exactly. Magnitudes follow PIPNet's data_utils.py (lib/data_utils.py of jhb86253817/PIPNet),
expressed relative to the input: translation up to +-30/256 of the side (p 0.5), rotation up to +-30 degrees
(p 0.5), a random-colour occlusion of up to 40 % x 40 % (p 0.5), Gaussian blur sigma up to 5/256 of the side
(p 0.3), horizontal flip (p 0.5) with the iBUG index remap.
"""
import math
import random

import numpy as np
import torch
import torch.nn.functional as F

from .datasets import load_image
from contract import IMAGENET_MEAN as _MEAN, IMAGENET_STD as _STD  # the contract's normalisation, one definition

IMAGENET_MEAN = torch.tensor(_MEAN).view(3, 1, 1)
IMAGENET_STD = torch.tensor(_STD).view(3, 1, 1)

# The reference work's three sets. 'all' = rotation, blur, translation, occlusion.
AUGMENTATIONS = {
    'none': (),
    'translate-occlude': ('translate', 'occlude'),
    'all': ('rotate', 'blur', 'translate', 'occlude'),
}

# PIPNet's points_flip for 300W (1-based in its train.py, 0-based here): the mirror partner of each iBUG point.
FLIP_68 = [16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
           27, 28, 29, 30, 35, 34, 33, 32, 31, 45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52, 51,
           50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65]
FLIP_70 = FLIP_68 + [69, 68]  # Fake-It's two pupils swap too


def flip_index(landmarks):
    return FLIP_70 if landmarks == 70 else FLIP_68


def crop_window(points, box_scale):
    """(x, y, side) of the square crop around the 68-point landmark box, as trt-landmarker computes it."""
    ref = points[:68]
    x0, y0 = ref.min(axis=0)
    x1, y1 = ref.max(axis=0)
    w, h = x1 - x0, y1 - y0
    side = box_scale * max(w, h)
    return x0 + w / 2 - side / 2, y0 + h / 2 - side / 2, side


def _about_centre(m):
    """Conjugate a 2x2 linear map so it acts about the crop centre (0.5, 0.5): 3x3 homogeneous matrix."""
    t = np.eye(3)
    t[:2, :2] = m
    c = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    ci = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    return c @ t @ ci


def random_transform(rng, kinds, flip):
    """3x3 map from the plain crop's normalised frame to the augmented one, and whether it mirrors."""
    m = np.eye(3)
    mirrored = bool(flip and rng.random() < 0.5)
    if mirrored:
        m = _about_centre(np.array([[-1.0, 0], [0, 1]])) @ m
    if 'rotate' in kinds and rng.random() < 0.5:
        a = math.radians(rng.uniform(-30, 30))
        m = _about_centre(np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])) @ m
    if 'translate' in kinds and rng.random() < 0.5:
        t = np.eye(3)
        t[0, 2], t[1, 2] = rng.uniform(-30, 30) / 256, rng.uniform(-30, 30) / 256
        m = t @ m
    return m, mirrored


def warp(image, window, transform, size):
    """Sample the crop `window` (x, y, side) of a uint8 [3, H, W] image through `transform` -> float [3, S, S] 0..255."""
    x, y, side = window
    inv = np.linalg.inv(transform)
    c = (np.arange(size, dtype=np.float64) + 0.5) / size
    ny, nx = np.meshgrid(c, c, indexing='ij')
    sx = inv[0, 0] * nx + inv[0, 1] * ny + inv[0, 2]
    sy = inv[1, 0] * nx + inv[1, 1] * ny + inv[1, 2]
    px = x + sx * side  # = source sample position + 0.5 (pixel edges at integers)
    py = y + sy * side
    _, h, w = image.shape
    inside = torch.from_numpy(((px >= 0) & (px <= w) & (py >= 0) & (py <= h)).astype(np.float32))
    grid = torch.from_numpy(np.stack([2 * px / w - 1, 2 * py / h - 1], axis=-1).astype(np.float32))
    out = F.grid_sample(image.unsqueeze(0).float(), grid.unsqueeze(0), mode='bilinear', padding_mode='border',
                        align_corners=False)[0]
    return out * inside


def occlude(img, rng):
    _, s, _ = img.shape
    oh, ow = int(s * 0.4 * rng.random()), int(s * 0.4 * rng.random())
    y0, x0 = int((s - oh) * rng.random()), int((s - ow) * rng.random())
    img[:, y0:y0 + oh, x0:x0 + ow] = torch.tensor([rng.random() * 255 for _ in range(3)]).view(3, 1, 1)
    return img


def blur(img, rng):
    sigma = rng.random() * 5 * img.shape[-1] / 256
    if sigma < 0.1:
        return img
    radius = max(1, int(math.ceil(3 * sigma)))
    k = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float32) / sigma) ** 2)
    k = k / k.sum()
    x = F.pad(img.unsqueeze(0), (radius, radius, radius, radius), mode='replicate')
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(3, 1, 1, 1), groups=3)
    x = F.conv2d(x, k.view(1, 1, -1, 1).repeat(3, 1, 1, 1), groups=3)
    return x[0]


def normalise(img):
    return (img / 255.0 - IMAGENET_MEAN) / IMAGENET_STD


def make_example(sample, size, box_scale, kinds=(), flip=False, rng=None):
    """(input [3, S, S] ImageNet-normalised, target [L, 2] normalised to the crop, crop window)."""
    window = crop_window(sample.points, box_scale)
    x, y, side = window
    norm = (sample.points - np.array([x, y])) / side
    transform, mirrored = (np.eye(3), False) if rng is None else random_transform(rng, kinds, flip)
    image = sample.image if sample.image is not None else load_image(sample.image_path)  # --lazy-images
    img = warp(image, window, transform, size)
    pts = norm @ transform[:2, :2].T + transform[:2, 2]
    if mirrored:
        pts = pts[flip_index(pts.shape[0])]
    if rng is not None:
        if 'occlude' in kinds and rng.random() < 0.5:
            img = occlude(img, rng)
        if 'blur' in kinds and rng.random() < 0.3:
            img = blur(img, rng)
    return normalise(img), torch.from_numpy(pts.astype(np.float32)), window


def batches(samples, size, box_scale, batch_size):
    """Un-augmented (inputs [B, 3, S, S], targets [B, L, 2], windows) over `samples` in order: validation."""
    for i in range(0, len(samples), batch_size):
        items = [make_example(s, size, box_scale) for s in samples[i:i + batch_size]]
        yield (torch.stack([t[0] for t in items]), torch.stack([t[1] for t in items]), [t[2] for t in items])


class TrainSet(torch.utils.data.Dataset):
    """Augmented examples; sample i of epoch e draws from random.Random((seed, e, i)), so the result does not
    depend on the order or on which DataLoader worker makes it (reproducible and resumable with workers)."""

    def __init__(self, samples, size, box_scale, kinds, flip, seed):
        self.samples, self.size, self.box_scale = samples, size, box_scale
        self.kinds, self.flip, self.seed, self.epoch = kinds, flip, seed, 0

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        rng = random.Random('%d/%d/%d' % (self.seed, self.epoch, i))
        img, pts, _ = make_example(self.samples[i], self.size, self.box_scale, self.kinds, self.flip, rng)
        return img, pts
