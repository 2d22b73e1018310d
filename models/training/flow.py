"""Train -> export -> evaluate: --init weights, and the hand-off to models/export.py and `trt-landmarker eval`."""
import json
import os
import subprocess
import sys

import torch

from architectures import extract_state_dict

from .checkpoint import CheckpointError

MODELS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_ROOT = os.path.dirname(MODELS_DIR)


def load_init(net, path, arch):
    """Copy every tensor of an ImageNet state_dict whose name and shape fit (the new head never does)."""
    try:
        state = extract_state_dict(torch.load(path, map_location='cpu'))
    except Exception as e:
        raise CheckpointError('--init %s is not a readable state_dict (%s)' % (path, e))
    own = net.state_dict()
    fit = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    backbone = [k for k in own if not k.startswith(('fc.', 'classifier.3.', 'cls_layer', 'x_layer', 'y_layer', 'nb_'))]
    if len(fit) < len(backbone) // 2:
        raise CheckpointError('--init %s fits only %d of the %d backbone tensors of %s (is it a %s ImageNet state_dict?)'
                         % (path, len(fit), len(backbone), arch,
                            'resnet18' if arch == 'pipnet' else 'torchvision ' + arch))
    own.update(fit)
    net.load_state_dict(own)
    return 'initialised from %s (%d of %d tensors)' % (os.path.basename(path), len(fit), len(own))


def export_and_eval(run_dir, onnx_path, eval_data, log):
    ckpt = os.path.join(run_dir, 'best.pth')
    if not os.path.exists(ckpt):
        ckpt = os.path.join(run_dir, 'last.pth')
    cmd = [sys.executable, os.path.join(MODELS_DIR, 'export.py'), '--checkpoint', ckpt, '--out', onnx_path]
    log('export: ' + ' '.join(cmd))
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise RuntimeError('export failed: ' + res.stderr.strip())
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    log('exported %s and %s' % (summary['fp32'], summary.get('fp16')))
    if not eval_data:
        return summary
    report = os.path.splitext(onnx_path)[0] + '-eval'
    cli = os.path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js')
    if not os.path.exists(cli):
        raise RuntimeError('%s is missing: build the package first (npx tsc -p tsconfig.build.json)' % cli)
    cmd = ['node', cli, 'eval', '--model', summary['fp32'], '--data', eval_data, '--crop', 'gt',
           '--norm', 'inter-ocular', '--backend', 'onnxruntime', '--report', report]
    log('eval: ' + ' '.join(cmd))
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(res.stdout)
    if res.returncode != 0:
        raise RuntimeError('eval failed (exit %d): %s' % (res.returncode, res.stderr.strip()))
    summary['report'] = report
    return summary
