#!/usr/bin/env python3
"""Baseline (b) of `npm run bench`: the reference work's way, PyTorch eager on the same weights.

Stages, timed here with time.perf_counter (warm-up excluded), per call on a whole batch:
  decode      PIL: Image.open(BytesIO(jpeg)).convert('RGB') for every image
  preprocess  PIL bilinear resize to the model size, NumPy scale/normalise/HWC->CHW, np.stack, torch.from_numpy
  inference   net(x) under torch.no_grad()
  postprocess regression: points = out[:, :2L] * image size (NumPy);
              PIPNet: the official forward_pip (argmax + gather in torch) and the neighbour merge (NumPy)

The model is built as models/export.py builds it (build_model + calibrate_batchnorm for random weights, or a
checkpoint), so the ONNX file holds the same weights. The Node side proves it on every run: this script writes its
preprocessed batch-1 input and the model's outputs as raw float32 files (checkDir), and the bench runs the ONNX model
on that input and compares. agreeImage (optional): an image at exactly the model's input size, where no resampling
happens, so the points of every pipeline must agree; they are returned as agreePoints.

  /usr/bin/python3 bench/pytorch_baseline.py --spec spec.json
spec.json: {arch, landmarks, inputSize, seed, checkpoint?, contract, image, batches, iterations, timeMs,
            warmupIterations, warmupMs, threads, checkDir?, agreeImage?}
Prints one JSON object on stdout. Exit 3 when torch is missing (message on stderr).
"""
import io
import json
import os
import sys
import time

try:
    import numpy as np
    import torch
    from PIL import Image
except ImportError as e:  # the bench turns this into a skipped baseline with the install hint
    print('missing Python module: %s' % e, file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models'))
import architectures  # noqa: E402


def same_net_as_export(arch, landmarks, input_size, seed, checkpoint=None):
    """The network models/export.py exports for these arguments, built the same way (keep the two in step: the
    bench's weights check compares this net with the ONNX file on every run and drops the rows if they differ)."""
    net = architectures.build_model(arch, landmarks, input_size, seed)
    if checkpoint:
        return architectures.load_checkpoint(net, checkpoint)
    calibrate = getattr(architectures, 'calibrate_batchnorm', None)
    if calibrate is not None:
        calibrate(net, input_size, seed)
    return net.eval()


def pipnet_tables(meanface, num_nb):
    """PIPNet's get_meanface (lib/functions.py), same padding trick."""
    mf = np.array(meanface, dtype=np.float64).reshape(-1, 2)
    n = mf.shape[0]
    idx = [np.argsort(np.sum((mf[i] - mf) ** 2, axis=1), kind='stable')[1:1 + num_nb] for i in range(n)]
    rev = {i: [[], []] for i in range(n)}
    for i in range(n):
        for j in range(num_nb):
            rev[idx[i][j]][0].append(i)
            rev[idx[i][j]][1].append(j)
    max_len = max(len(rev[i][0]) for i in range(n))
    r1, r2 = [], []
    for i in range(n):
        a, b = rev[i]
        a = (a * (max_len // max(1, len(a)) + 1))[:max_len]
        b = (b * (max_len // max(1, len(b)) + 1))[:max_len]
        r1 += a
        r2 += b
    return np.array(r1), np.array(r2), max_len


def forward_pip(outputs, input_size, net_stride, num_nb):
    """The official PIPNet forward_pip, on the network's five outputs."""
    cls, ox, oy, nbx, nby = outputs
    b, c, h, w = cls.size()
    cls = cls.view(b, c, -1)
    max_ids = torch.argmax(cls, 2).view(-1, 1)
    max_ids_nb = max_ids.repeat(1, num_nb).view(-1, 1)
    ox = torch.gather(ox.reshape(b * c, -1), 1, max_ids).squeeze(1)
    oy = torch.gather(oy.reshape(b * c, -1), 1, max_ids).squeeze(1)
    nbx = torch.gather(nbx.reshape(b * num_nb * c, -1), 1, max_ids_nb).squeeze(1).view(-1, num_nb)
    nby = torch.gather(nby.reshape(b * num_nb * c, -1), 1, max_ids_nb).squeeze(1).view(-1, num_nb)
    grid = input_size / net_stride
    lx = ((max_ids % w).view(-1).float() + ox) / grid
    ly = ((max_ids // w).view(-1).float() + oy) / grid
    nx = ((max_ids % w).view(-1, 1).float() + nbx) / grid
    ny = ((max_ids // w).view(-1, 1).float() + nby) / grid
    return lx.view(b, c), ly.view(b, c), nx.view(b, c, num_nb), ny.view(b, c, num_nb)


class Pipeline:
    def __init__(self, spec):
        self.spec = spec
        c = spec['contract']
        self.c = c
        self.w, self.h = c['input']['width'], c['input']['height']
        self.scale = np.float32(c['input']['scale'])
        self.mean = np.array(c['input']['mean'], dtype=np.float32)
        self.std = np.array(c['input']['std'], dtype=np.float32)
        self.bgr = c['input']['colorOrder'] == 'bgr'
        self.L = c['landmarks']
        t0 = time.perf_counter()
        self.net = same_net_as_export(spec['arch'], self.L, spec['inputSize'], spec.get('seed', 0),
                                      spec.get('checkpoint'))
        self.setup_ms = (time.perf_counter() - t0) * 1000
        if c['architecture'] == 'pipnet':
            p = c['pipnet']
            self.nb = p['neighbors']
            self.stride = p['stride']
            self.r1, self.r2, self.max_len = pipnet_tables(p['meanFace'], self.nb)

    def decode(self, jpegs):
        return [Image.open(io.BytesIO(j)).convert('RGB') for j in jpegs]

    def preprocess(self, images):
        arrs = []
        for im in images:
            a = np.asarray(im.resize((self.w, self.h), Image.BILINEAR), dtype=np.float32)
            if self.bgr:
                a = a[:, :, ::-1]
            arrs.append(((a * self.scale - self.mean) / self.std).transpose(2, 0, 1))
        return torch.from_numpy(np.ascontiguousarray(np.stack(arrs)))

    def infer(self, x):
        with torch.no_grad():
            return self.net(x)

    def postprocess(self, out, sizes):
        size = np.array(sizes, dtype=np.float32)  # [B, 2] (w, h)
        if self.c['architecture'] == 'regression':
            pts = out[:, :2 * self.L].numpy().reshape(-1, self.L, 2)
            if self.c['regression']['layout'] == 'pixel':
                pts = pts / np.array([self.w, self.h], dtype=np.float32)
            return pts * size[:, None, :]
        lx, ly, nx, ny = forward_pip(out, self.w, self.stride, self.nb)
        lx, ly, nx, ny = lx.numpy(), ly.numpy(), nx.numpy(), ny.numpy()
        res = np.empty((lx.shape[0], self.L, 2), dtype=np.float32)
        for b in range(lx.shape[0]):
            tx = nx[b][self.r1, self.r2].reshape(self.L, self.max_len)
            ty = ny[b][self.r1, self.r2].reshape(self.L, self.max_len)
            res[b, :, 0] = np.mean(np.concatenate([lx[b][:, None], tx], axis=1), axis=1)
            res[b, :, 1] = np.mean(np.concatenate([ly[b][:, None], ty], axis=1), axis=1)
        return res * size[:, None, :]

    def run(self, jpegs):
        t0 = time.perf_counter()
        imgs = self.decode(jpegs)
        sizes = [im.size for im in imgs]
        t1 = time.perf_counter()
        x = self.preprocess(imgs)
        t2 = time.perf_counter()
        out = self.infer(x)
        t3 = time.perf_counter()
        pts = self.postprocess(out, sizes)
        t4 = time.perf_counter()
        ms = lambda a, b: (b - a) * 1000  # noqa: E731
        return {'decode': ms(t0, t1), 'preprocess': ms(t1, t2), 'inference': ms(t2, t3),
                'postprocess': ms(t3, t4)}, ms(t0, t4), pts


def loop(fn, min_iters, min_ms):
    """tinybench's rule: keep calling until both the iteration count and the time budget are reached."""
    stages, totals = [], []
    spent = 0.0
    while spent < min_ms or len(totals) < min_iters:
        s, total, _ = fn()
        stages.append(s)
        totals.append(total)
        spent += total
    return stages, totals


def write_check(p, jpeg, check_dir):
    os.makedirs(check_dir, exist_ok=True)
    x = p.preprocess(p.decode([jpeg]))
    out = p.infer(x)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    files = {'input': os.path.join(check_dir, 'input.bin'), 'inputShape': list(x.shape), 'outputs': []}
    x.numpy().astype(np.float32).tofile(files['input'])
    for i, o in enumerate(outs):
        path = os.path.join(check_dir, 'output%d.bin' % i)
        o.numpy().astype(np.float32).tofile(path)
        files['outputs'].append({'path': path, 'shape': list(o.shape)})
    return files


def main():
    if len(sys.argv) != 3 or sys.argv[1] != '--spec':
        print('usage: pytorch_baseline.py --spec spec.json', file=sys.stderr)
        return 2
    with open(sys.argv[2]) as f:
        spec = json.load(f)
    default_threads = torch.get_num_threads()
    if spec.get('threads'):
        torch.set_num_threads(int(spec['threads']))
    with open(spec['image'], 'rb') as f:
        jpeg = f.read()
    p = Pipeline(spec)
    result = {'torch': torch.__version__, 'numpy': np.__version__, 'pillow': Image.__version__,
              'python': sys.version.split()[0], 'defaultThreads': default_threads,
              'threads': torch.get_num_threads(), 'setupMs': p.setup_ms, 'runs': []}
    if spec.get('checkDir'):
        result['check'] = write_check(p, jpeg, spec['checkDir'])
    if spec.get('agreeImage'):
        with open(spec['agreeImage'], 'rb') as f:
            result['agreePoints'] = p.run([f.read()])[2][0].reshape(-1).tolist()
    for batch in spec['batches']:
        jpegs = [jpeg] * batch
        fn = lambda: p.run(jpegs)  # noqa: E731
        loop(fn, spec['warmupIterations'], spec['warmupMs'])
        stages, totals = loop(fn, spec['iterations'], spec['timeMs'])
        result['runs'].append({'batch': batch, 'stages': stages, 'totals': totals})
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
