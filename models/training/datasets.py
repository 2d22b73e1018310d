"""Training data: 300W-style image + .pts folders and the FaceSynthetics (Fake-It) layout.

Formats (the same rules as the evaluation suite, src/eval/annotations.ts and datasets.ts):
- 300W / plain folder: IMAGE.ext next to IMAGE.pts (`version: 1`, `n_points: N`, `{`, N lines `x y`, `}`),
  1-indexed pixel coordinates: 1 is subtracted.
- FaceSynthetics: NNNNNN.png next to NNNNNN_ldmks.txt (70 lines `x y`, 0-indexed: 68 iBUG points + 2 pupils).

Every annotation is parsed before training starts; a malformed one is an error naming the file and line.
Images without an annotation (and annotations without an image) are counted and listed, never trained on.
A folder with no usable sample is an error, so an epoch can never silently see zero samples.
"""
import os
import random

import numpy as np
import torch

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
FAKEIT_SUFFIX = '_ldmks.txt'


class DataError(ValueError):
    """Bad training data: the message names the file (and line) at fault."""


def parse_pts(path):
    """300W .pts -> float64 [N, 2], 0-indexed (1 subtracted). Strict: header, braces, N lines of two numbers."""
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().splitlines()
    n_points = None
    body = None
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if line.startswith('n_points'):
            try:
                n_points = int(line.split(':', 1)[1])
            except (IndexError, ValueError):
                raise DataError('Malformed annotation %s:%d: bad n_points line "%s"' % (path, i + 1, line))
        elif line == '{':
            body = i + 1
            break
    if n_points is None or body is None:
        raise DataError('Malformed annotation %s: expected a "n_points: N" header and "{"' % path)
    points = []
    for j in range(body, len(lines)):
        line = lines[j].strip()
        if line == '}':
            rest = [x for x in lines[j + 1:] if x.strip()]
            if rest:
                raise DataError('Malformed annotation %s:%d: unexpected text after "}"' % (path, j + 2))
            break
        if not line:
            continue
        points.append(_two_numbers(path, j + 1, line))
    else:
        raise DataError('Malformed annotation %s: missing closing "}"' % path)
    if len(points) != n_points:
        raise DataError('Malformed annotation %s: header says %d points but found %d' % (path, n_points, len(points)))
    return _check_count(path, np.array(points, dtype=np.float64) - 1.0)


def parse_ldmks(path):
    """FaceSynthetics NNNNNN_ldmks.txt -> float64 [N, 2], already 0-indexed."""
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().splitlines()
    points = [_two_numbers(path, i + 1, line.strip()) for i, line in enumerate(lines) if line.strip()]
    return _check_count(path, np.array(points, dtype=np.float64).reshape(-1, 2))


def _two_numbers(path, lineno, line):
    parts = line.split()
    try:
        if len(parts) != 2:
            raise ValueError
        x, y = float(parts[0]), float(parts[1])
    except ValueError:
        raise DataError('Malformed annotation %s:%d: expected two numbers but found "%s"' % (path, lineno, line))
    if not (np.isfinite(x) and np.isfinite(y)):
        raise DataError('Malformed annotation %s:%d: non-finite coordinate "%s"' % (path, lineno, line))
    return (x, y)


def _check_count(path, points):
    if points.shape[0] not in (68, 70):
        raise DataError('Malformed annotation %s: expected 68 or 70 points but found %d' % (path, points.shape[0]))
    return points


def list_folder(folder):
    """Pairs (image, annotation, parser) in a folder (recursively), plus the unpaired files.

    The FaceSynthetics layout is recognised by *_ldmks.txt files; otherwise images pair with .pts files.
    """
    if not os.path.isdir(folder):
        raise DataError('Training data folder %s does not exist' % folder)
    files = []
    for root, _dirs, names in os.walk(folder):
        files += [os.path.join(root, n) for n in names]
    files.sort()
    fakeit = any(f.endswith(FAKEIT_SUFFIX) for f in files)
    images = {os.path.splitext(f)[0]: f for f in files
              if f.lower().endswith(IMAGE_EXTS) and not f.endswith('_seg.png')}
    if fakeit:
        notes = {f[:-len(FAKEIT_SUFFIX)]: f for f in files if f.endswith(FAKEIT_SUFFIX)}
        parser = parse_ldmks
    else:
        notes = {os.path.splitext(f)[0]: f for f in files if f.endswith('.pts')}
        parser = parse_pts
    pairs = [(images[k], notes[k]) for k in sorted(images) if k in notes]
    return {
        'format': 'facesynthetics' if fakeit else 'pts-folder',
        'pairs': pairs,
        'parser': parser,
        'imagesWithoutAnnotation': sorted(images[k] for k in images if k not in notes),
        'annotationsWithoutImage': sorted(notes[k] for k in notes if k not in images),
    }


def load_image(path):
    """uint8 tensor [3, H, W] (RGB)."""
    from PIL import Image
    try:
        with Image.open(path) as im:
            arr = np.asarray(im.convert('RGB'), dtype=np.uint8)
    except (OSError, ValueError) as e:
        raise DataError('Cannot decode image %s (%s)' % (path, e))
    return torch.from_numpy(arr.copy()).permute(2, 0, 1).contiguous()


class Sample:
    __slots__ = ('image_path', 'points', 'image')

    def __init__(self, image_path, points, image=None):
        self.image_path = image_path
        self.points = points  # float64 [68 or 70, 2], 0-indexed pixels
        self.image = image


def load_samples(folders, landmarks, limit=None, seed=0, preload=True, log=None):
    """Samples of every folder (annotations parsed up front), optionally a seeded subset of `limit`.

    landmarks: 68 (70-point annotations are cut to the 68 iBUG points) or 70 (every annotation must have 70).
    Returns (samples, summary) with the per-folder counts and unpaired files.
    """
    samples, summary = [], []
    for folder in folders:
        found = list_folder(folder)
        pts = []
        for image_path, note in found['pairs']:
            points = found['parser'](note)
            if landmarks == 70 and points.shape[0] != 70:
                raise DataError('%s has %d points but --landmarks 70 needs 70 (68 iBUG + 2 pupils)'
                                % (note, points.shape[0]))
            points = points[:landmarks]
            box = points[:68].max(axis=0) - points[:68].min(axis=0)
            if not np.all(box > 0):
                raise DataError('%s: the landmark box is empty (all points on one line)' % note)
            pts.append(Sample(image_path, points))
        unpaired = len(found['imagesWithoutAnnotation']) + len(found['annotationsWithoutImage'])
        if log and unpaired:
            log('%s: %d images without annotation and %d annotations without image are left out (e.g. %s)'
                % (folder, len(found['imagesWithoutAnnotation']), len(found['annotationsWithoutImage']),
                   (found['imagesWithoutAnnotation'] + found['annotationsWithoutImage'])[0]))
        if not pts:
            raise DataError('%s: no usable sample (no image with a matching %s annotation)'
                            % (folder, '_ldmks.txt' if found['format'] == 'facesynthetics' else '.pts'))
        summary.append({'folder': os.path.abspath(folder), 'format': found['format'], 'samples': len(pts),
                        'imagesWithoutAnnotation': found['imagesWithoutAnnotation'],
                        'annotationsWithoutImage': found['annotationsWithoutImage']})
        samples += pts
    if limit is not None:
        if limit < 1:
            raise DataError('Expected a positive number of images for the subset but received %d' % limit)
        if limit < len(samples):
            samples = random.Random(seed).sample(samples, limit)
    if preload:
        for s in samples:
            s.image = load_image(s.image_path)
    return samples, summary
