#!/usr/bin/env python3
"""Train a trt-landmarker architecture (models/architectures.py) on 300W-style or FaceSynthetics data.

  python3 models/train.py --arch resnet50|mobilenetv3|pipnet --data DIR [--data DIR ...] --out RUN_DIR
      [--val DIR] [--landmarks 68|70] [--input-size N] [--epochs N] [--lr X] [--batch N]
      [--augment none|translate-occlude|all] [--no-flip] [--subset N] [--seed 0] [--init IMAGENET.pth]
      [--device auto|cpu|cuda] [--threads N] [--max-batches N]
      [--export MODEL.onnx [--eval-data DIR]]
  python3 models/train.py --resume RUN_DIR/last.pth [--epochs N] [--export ...]

Defaults are the reference work's presets (models/training/presets.py). RUN_DIR gets last.pth (every epoch),
best.pth (best validation NME), log.json and curves.png. --export runs models/export.py on best.pth (or
last.pth without validation) and --eval-data then runs `trt-landmarker eval` on the exported model.
Errors: a message on stderr and exit code 2 (bad arguments or data) or 1 (training failed).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from architectures import ARCHS, PIPNET_NEIGHBORS, PIPNET_STRIDE, build_model  # noqa: E402
from training import augment, checkpoint, datasets, loop, pipnet  # noqa: E402
from training.flow import export_and_eval, load_init  # noqa: E402
from training.presets import PRESETS  # noqa: E402

TERMS = {
    'facesynthetics': 'Microsoft FaceSynthetics, C-UDA v1.0: computational use for non-commercial research only',
    'pts-folder': '300W-style annotations: the 300W annotations are for non-commercial research only '
                  '(photos from the web); check the terms of your own data',
}


def parse_args(argv):
    p = argparse.ArgumentParser(description='Train a trt-landmarker model (ResNet50, MobileNetV3, PIPNet).')
    p.add_argument('--arch', choices=ARCHS)
    p.add_argument('--data', action='append', default=[], help='training folder (repeatable)')
    p.add_argument('--val', action='append', default=[], help='validation folder (repeatable), e.g. helen-test')
    p.add_argument('--out', help='run folder (checkpoints, log.json, curves.png)')
    p.add_argument('--resume', help='continue a run from its last.pth')
    p.add_argument('--landmarks', type=int, default=68, choices=(68, 70))
    p.add_argument('--input-size', type=int)
    p.add_argument('--epochs', type=int)
    p.add_argument('--lr', type=float)
    p.add_argument('--batch', type=int)
    p.add_argument('--augment', choices=sorted(augment.AUGMENTATIONS), default='all')
    p.add_argument('--no-flip', action='store_true', help='no random horizontal flip')
    p.add_argument('--subset', type=int, help='train on N images drawn with --seed')
    p.add_argument('--val-subset', type=int, help='validate every epoch on N faces of --val drawn with --seed '
                   '(CPU runs; the full set is scored by --eval-data at the end)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--init', help='ImageNet state_dict of the backbone (torchvision names); default: from scratch')
    p.add_argument('--device', default='auto', choices=('auto', 'cpu', 'cuda'))
    p.add_argument('--threads', type=int, help='torch CPU threads')
    p.add_argument('--workers', type=int, default=0, help='DataLoader worker processes for augmentation (GPU runs)')
    p.add_argument('--lazy-images', action='store_true',
                   help='decode images when used instead of holding them all in memory (large sets, e.g. 100k Fake-It)')
    p.add_argument('--max-batches', type=int, help='stop each epoch after N batches (smoke runs)')
    p.add_argument('--export', help='export the best checkpoint to this .onnx (+ .fp16.onnx) when training ends')
    p.add_argument('--eval-data', help='run trt-landmarker eval on the exported model with this data folder')
    args = p.parse_args(argv)
    for name in ('input_size', 'epochs', 'batch', 'subset', 'val_subset', 'threads', 'max_batches'):
        v = getattr(args, name)
        if v is not None and v < 1:
            p.error('Expected a positive integer for --%s but received %d' % (name.replace('_', '-'), v))
    if args.workers < 0:
        p.error('Expected a non-negative integer for --workers but received %d' % args.workers)
    if args.lr is not None and not args.lr > 0:
        p.error('Expected a positive number for --lr but received %r' % args.lr)
    if args.resume:
        return args
    if not args.arch or not args.data or not args.out:
        p.error('--arch, --data and --out are required (or --resume RUN/last.pth)')
    if args.export and not args.export.endswith('.onnx'):
        p.error('--export must end with .onnx (got %r)' % args.export)
    if args.eval_data and not args.export:
        p.error('--eval-data needs --export')
    return args


def config_from(args):
    preset = PRESETS[args.arch]
    cfg = {
        'arch': args.arch, 'landmarks': args.landmarks,
        'input_size': args.input_size or preset['input_size'],
        'epochs': args.epochs or preset['epochs'], 'lr': args.lr or preset['lr'],
        'batch': args.batch or preset['batch'], 'decay_steps': preset['decay_steps'],
        'box_scale': preset['box_scale'], 'augment': args.augment, 'flip': not args.no_flip,
        'subset': args.subset, 'val_subset': args.val_subset, 'seed': args.seed, 'data': args.data, 'val': args.val,
        'init_path': args.init, 'max_batches': args.max_batches,
    }
    if args.arch == 'pipnet' and cfg['input_size'] % PIPNET_STRIDE:
        raise ValueError('PIPNet input size must be a multiple of %d (got %d)' % (PIPNET_STRIDE, cfg['input_size']))
    if args.arch == 'pipnet' and args.epochs and args.epochs < preset['epochs']:
        # Keep the official schedule's shape: decay at 50 % and 83 % of the run.
        cfg['decay_steps'] = [round(cfg['epochs'] * 30 / 60), round(cfg['epochs'] * 50 / 60)]
    return cfg


def log(msg):
    print('[train %s] %s' % (time.strftime('%H:%M:%S'), msg), file=sys.stderr, flush=True)


def main(argv):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = 'cuda' if args.device == 'cuda' or (args.device == 'auto' and torch.cuda.is_available()) else 'cpu'
    if device == 'cuda' and not torch.cuda.is_available():
        raise ValueError('--device cuda but torch sees no CUDA device')
    if args.resume:
        state = checkpoint.load(args.resume)
        checkpoint.check_compatible(state, args.arch, None, args.input_size, args.resume)
        cfg = dict(state['args'])
        if args.epochs:
            cfg['epochs'] = args.epochs
        out_dir = args.out or os.path.dirname(os.path.abspath(args.resume))
        log('resuming %s after epoch %d of %d' % (args.resume, state['epoch'], cfg['epochs']))
    else:
        cfg = config_from(args)
        out_dir = args.out
        state = None
    os.makedirs(out_dir, exist_ok=True)

    train, train_summary = datasets.load_samples(cfg['data'], cfg['landmarks'], cfg['subset'], cfg['seed'],
                                                 preload=not args.lazy_images, log=log)
    val, val_summary = (datasets.load_samples(cfg['val'], 68, cfg.get('val_subset'), cfg['seed'], log=log)
                        if cfg['val'] else ([], []))
    log('%d training faces from %s; %d validation faces' % (len(train), ', '.join(cfg['data']), len(val)))

    net = build_model(cfg['arch'], cfg['landmarks'], cfg['input_size'], cfg['seed'])
    if state is None:
        init = load_init(net, cfg['init_path'], cfg['arch']) if cfg['init_path'] else 'from scratch (random init)'
        meanface = None
        if cfg['arch'] == 'pipnet':
            targets = [augment.make_example(s, 8, cfg['box_scale'])[1].numpy() for s in train]
            meanface = pipnet.mean_face(targets)
        state = {
            'arch': cfg['arch'], 'landmarks': cfg['landmarks'], 'input_size': cfg['input_size'],
            'box_scale': cfg['box_scale'], 'meanface': meanface, 'num_nb': PIPNET_NEIGHBORS, 'init': init,
            'args': cfg, 'epoch': 0, 'log': [], 'best_nme': None,
            'data': [{'name': os.path.basename(os.path.normpath(d['folder'])), 'folder': d['folder'],
                      'format': d['format'], 'samples': d['samples'], 'terms': TERMS[d['format']]}
                     for d in train_summary],
            'subset': len(train), 'val_name': '+'.join(os.path.basename(os.path.normpath(v)) for v in cfg['val']) or None,
            'val_data': val_summary, 'torch': torch.__version__, 'device': device, 'threads': torch.get_num_threads(),
        }
    else:
        net.load_state_dict(state['model'])
        state['device'], state['threads'] = device, torch.get_num_threads()
    log('%s %d points, %d px, crop %.1fx box, %s; %d epochs, lr %g, batch %d, augmentation %s%s; device %s, %d threads'
        % (cfg['arch'], cfg['landmarks'], cfg['input_size'], cfg['box_scale'], state['init'], cfg['epochs'], cfg['lr'],
           cfg['batch'], cfg['augment'], ' + flip' if cfg['flip'] else '', device, torch.get_num_threads()))
    mf = np.asarray(state['meanface']) if state['meanface'] is not None else None
    task = loop.Task(cfg['arch'], cfg['input_size'] // PIPNET_STRIDE, mf, PIPNET_NEIGHBORS)
    if state['epoch'] >= cfg['epochs']:
        log('nothing to train: the checkpoint already has %d of %d epochs' % (state['epoch'], cfg['epochs']))
    else:
        state = loop.run(net, task, train, val, cfg, state, out_dir, device, log, workers=args.workers)
    if args.export:
        export_and_eval(out_dir, args.export, args.eval_data, log)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except (datasets.DataError, checkpoint.CheckpointError) as e:
        print('train.py: error: %s' % e, file=sys.stderr)
        sys.exit(2)
    except (ValueError, OSError, RuntimeError, FloatingPointError) as e:
        print('train.py: error: %s' % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print('train.py: interrupted; resume with --resume RUN_DIR/last.pth (the last finished epoch)', file=sys.stderr)
        sys.exit(130)
