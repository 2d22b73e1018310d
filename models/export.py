#!/usr/bin/env python3
"""Export a landmark model to ONNX with the trt_landmarker contract embedded, plus an FP16 copy.

  python3 models/export.py --arch resnet50|mobilenetv3|pipnet --out m.onnx [--landmarks 68|70]
      [--input-size N] [--checkpoint f] [--meanface f | --meanface-from DIR] [--box-scale S]
      [--opset 17] [--seed 0] [--no-fp16]

Writes m.onnx (FP32) and m.fp16.onnx (FP16 weights and arithmetic, FP32 inputs/outputs), both with a
dynamic batch axis named 'batch', and prints one JSON line (paths, sizes, seconds) on stdout.
Errors: a message on stderr and exit code 2 (bad arguments) or 1 (export failed).
"""
import argparse
import contextlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

from architectures import (ARCHS, DEFAULT_INPUT_SIZE, PIPNET_NEIGHBORS, PIPNET_STRIDE,  # noqa: E402
                           build_model, calibrate_batchnorm, load_checkpoint, output_names)
from contract import embed, make_contract  # noqa: E402
from fp16 import convert_to_fp16  # noqa: E402
from meanface import meanface_from_dir, read_meanface, template_face  # noqa: E402
from training.checkpoint import describe as describe_training, is_training_checkpoint  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description='Export a trt-landmarker model to ONNX (FP32 + FP16).')
    p.add_argument('--arch', choices=ARCHS, help='required unless --checkpoint is a models/train.py checkpoint')
    p.add_argument('--out', required=True, help='output path of the FP32 model (.onnx)')
    p.add_argument('--landmarks', type=int, default=None, choices=(68, 70), help='default 68')
    p.add_argument('--input-size', type=int, default=None, help='square input side (default 224, PIPNet 256)')
    p.add_argument('--checkpoint', default=None, help='PyTorch state_dict (.pth); default: random weights')
    mf = p.add_mutually_exclusive_group()
    mf.add_argument('--meanface', default=None, help="PIPNet meanface.txt (required to export a trained PIPNet)")
    mf.add_argument('--meanface-from', default=None, help='folder of .pts / _ldmks.txt annotations to average')
    p.add_argument('--box-scale', type=float, default=None, help='crop.boxScale in the contract')
    p.add_argument('--opset', type=int, default=17)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--no-fp16', action='store_true', help='skip the FP16 model')
    args = p.parse_args(argv)
    args.trained = read_training_checkpoint(args.checkpoint, p)
    if args.trained:
        apply_training_facts(args, args.trained, p)
    elif not args.arch:
        p.error('--arch is required (unless --checkpoint is a models/train.py checkpoint)')
    if not args.out.endswith('.onnx'):
        p.error('--out must end with .onnx (got %r)' % args.out)
    if args.opset < 17:
        p.error('--opset must be >= 17 (got %d)' % args.opset)
    args.landmarks = args.landmarks or 68
    size = args.input_size or DEFAULT_INPUT_SIZE[args.arch]
    if size < 32 or size > 1024:
        p.error('--input-size must be within 32..1024 (got %d)' % size)
    if args.arch == 'pipnet' and size % PIPNET_STRIDE:
        p.error('--input-size must be a multiple of %d for pipnet (got %d)' % (PIPNET_STRIDE, size))
    args.input_size = size
    if args.arch != 'pipnet' and (args.meanface or args.meanface_from):
        p.error('--meanface/--meanface-from only apply to --arch pipnet')
    if args.arch == 'pipnet' and args.checkpoint and not (args.meanface or args.meanface_from or args.trained):
        p.error('a PIPNet checkpoint needs the mean face it was trained with: pass --meanface meanface.txt')
    if args.box_scale is not None and not (0 < args.box_scale <= 10):
        p.error('--box-scale must be in (0, 10] (got %r)' % args.box_scale)
    return args


def read_training_checkpoint(path, p):
    """A models/train.py checkpoint (its facts travel into the contract), or None for a plain state_dict."""
    if not path or not os.path.isfile(path):
        return None
    try:
        obj = torch.load(path, map_location='cpu')
    except Exception:  # not a torch file: load_checkpoint reports it with the usual message
        return None
    return obj if is_training_checkpoint(obj) else None


def apply_training_facts(args, ckpt, p):
    """Architecture, points, input size, crop scale and PIPNet mean face come from the training run."""
    if args.arch and args.arch != ckpt['arch']:
        p.error('--arch %s but %s is a %s checkpoint' % (args.arch, args.checkpoint, ckpt['arch']))
    for flag, given, trained in (('--landmarks', args.landmarks, ckpt['landmarks']),
                                 ('--input-size', args.input_size, ckpt['input_size'])):
        if given is not None and given != trained:
            p.error('%s %s but the checkpoint was trained with %s' % (flag, given, trained))
    if args.meanface or args.meanface_from:
        p.error('--meanface/--meanface-from: a models/train.py checkpoint carries the mean face it was trained with')
    args.arch, args.landmarks, args.input_size = ckpt['arch'], ckpt['landmarks'], ckpt['input_size']
    if args.box_scale is None:
        args.box_scale = ckpt['box_scale']


def pick_meanface(args):
    if args.trained and args.trained.get('meanface') is not None:
        return np.asarray(args.trained['meanface'], dtype=np.float64), 'the training data (models/train.py)'
    if args.meanface:
        return read_meanface(args.meanface, args.landmarks), os.path.basename(args.meanface)
    if args.meanface_from:
        return meanface_from_dir(args.meanface_from, args.landmarks), 'averaged from ' + args.meanface_from
    return template_face(args.landmarks), 'built-in template'


def torch_export(net, args, path):
    names = output_names(args.arch)
    dummy = torch.zeros(1, 3, args.input_size, args.input_size)
    axes = {n: {0: 'batch'} for n in ['input'] + names}
    # Keep stdout for the JSON summary: the exporter may print diagnostics.
    with contextlib.redirect_stdout(sys.stderr), torch.no_grad():
        torch.onnx.export(net, dummy, path, input_names=['input'], output_names=names, dynamic_axes=axes,
                          opset_version=args.opset, do_constant_folding=True)


def main(argv):
    args = parse_args(argv)
    t0 = time.time()
    net = build_model(args.arch, args.landmarks, args.input_size, args.seed)
    if args.checkpoint:
        net = load_checkpoint(net, args.checkpoint)
        weights = 'weights from ' + os.path.basename(args.checkpoint)
        if args.trained:
            weights += ', ' + describe_training(args.trained)
    else:
        calibrate_batchnorm(net, args.input_size, args.seed)
        weights = ('random weights (seed %d, BatchNorm statistics from synthetic images), untrained: '
                   'for tests and benchmarks only' % args.seed)
    meanface, source = pick_meanface(args) if args.arch == 'pipnet' else (None, None)
    contract = make_contract(args.arch, args.landmarks, args.input_size, weights, box_scale=args.box_scale,
                             meanface=meanface, stride=PIPNET_STRIDE, neighbors=PIPNET_NEIGHBORS,
                             meanface_source=source)

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    torch_export(net, args, out)
    model = embed(onnx.load(out), contract)
    onnx.checker.check_model(model)
    onnx.save(model, out)
    t1 = time.time()

    summary = {'arch': args.arch, 'landmarks': args.landmarks, 'inputSize': args.input_size,
               'fp32': out, 'fp32Bytes': os.path.getsize(out), 'exportSeconds': round(t1 - t0, 2)}
    if not args.no_fp16:
        fp16_path = out[:-len('.onnx')] + '.fp16.onnx'
        onnx.save(embed(convert_to_fp16(model), contract), fp16_path)
        summary.update({'fp16': fp16_path, 'fp16Bytes': os.path.getsize(fp16_path),
                        'fp16Seconds': round(time.time() - t1, 2)})
    summary['totalSeconds'] = round(time.time() - t0, 2)
    print(json.dumps(summary))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except (ValueError, OSError, RuntimeError) as e:
        print('export.py: error: %s' % e, file=sys.stderr)
        sys.exit(1)
