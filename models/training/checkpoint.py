"""Training checkpoints: everything needed to resume a run or export its model.

A checkpoint is a dict (torch.save) with 'format': 'trt-landmarker-train'. 'model' holds the state_dict under
the names of models/architectures.py, so models/export.py (extract_state_dict) loads it as any checkpoint; the
rest is training state and the facts the export writes into the contract (architecture, input size, crop scale,
PIPNet mean face, training data and its terms). Files are written to a temporary name and renamed, so an
interrupted run always leaves the previous complete checkpoint behind.
"""
import os

import torch

FORMAT = 'trt-landmarker-train'


class CheckpointError(ValueError):
    pass


def save(path, state):
    tmp = path + '.tmp-%d' % os.getpid()
    torch.save(dict(state, format=FORMAT), tmp)
    os.replace(tmp, path)


def load(path):
    """A training checkpoint, or CheckpointError saying why not."""
    if not os.path.isfile(path):
        raise CheckpointError('checkpoint %s does not exist' % path)
    try:
        ckpt = torch.load(path, map_location='cpu')
    except Exception as e:  # torch raises several kinds for a truncated or foreign file
        raise CheckpointError('%s is not a readable PyTorch checkpoint (%s: %s)' % (path, type(e).__name__, e))
    if not isinstance(ckpt, dict) or ckpt.get('format') != FORMAT:
        raise CheckpointError('%s is not a models/train.py checkpoint (no "format": "%s"); to start from plain '
                              'weights use --init' % (path, FORMAT))
    return ckpt


def is_training_checkpoint(obj):
    return isinstance(obj, dict) and obj.get('format') == FORMAT


def check_compatible(ckpt, arch, landmarks, input_size, path):
    """A resumed run must be the same model: architecture, point count and input size."""
    got = (ckpt['arch'], ckpt['landmarks'], ckpt['input_size'])
    want = (arch, landmarks, input_size)
    names = ('architecture', 'landmarks', 'input size')
    for name, g, w in zip(names, got, want):
        if w is not None and g != w:
            raise CheckpointError('checkpoint %s was trained with %s %s, but this run asks for %s %s'
                                  % (path, name, g, name, w))


def describe(ckpt):
    """One line for the model contract: what the weights are and the terms of the data they come from."""
    data = '; '.join('%s (%d faces; terms: %s)' % (d['name'], d['samples'], d['terms']) for d in ckpt['data'])
    total = sum(d['samples'] for d in ckpt['data'])
    used = '' if ckpt['subset'] == total else ', a seeded subset of %d faces' % ckpt['subset']
    text = ('trained by models/train.py for %d epochs (augmentation %s%s, %s%s) on %s'
            % (ckpt['epoch'], ckpt['args']['augment'], ' + flip' if ckpt['args']['flip'] else '', ckpt['init'],
               used, data))
    if ckpt.get('best_nme') is not None:
        text += '; validation NME %.2f %% inter-ocular on %s (epoch %d)' % (ckpt['best_nme'], ckpt['val_name'],
                                                                          ckpt['best_epoch'])
    return text
