"""The training loop: epochs of augmented batches, validation NME after each, checkpoints, resume.

Reproducibility: epoch e shuffles with torch.Generator(seed * 100003 + e) and seeds torch with the same number;
each sample's augmentation has its own generator (augment.TrainSet), so a resumed run continues exactly as an
uninterrupted one would, with or without DataLoader workers.
"""
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import augment, checkpoint, metrics, pipnet, report


class Task:
    """What differs between direct regression and PIPNet: loss and decoding."""

    def __init__(self, arch, grid=None, meanface=None, num_nb=None):
        self.arch = arch
        self.pip = arch == 'pipnet'
        if self.pip:
            self.grid = grid
            self.num_nb = num_nb
            self.nb = pipnet.neighbour_indices(meanface, num_nb)
            self.rev = pipnet.reverse_index(self.nb)

    def loss(self, outputs, targets):
        if self.pip:
            return pipnet.pip_loss(outputs, pipnet.make_targets(targets, self.nb, self.grid), self.num_nb)[0]
        return F.mse_loss(outputs, targets.reshape(targets.shape[0], -1))

    def predict(self, outputs, landmarks):
        if self.pip:
            return pipnet.decode(outputs, self.nb, self.rev)
        return outputs.reshape(outputs.shape[0], landmarks, 2)


def to_device(outputs, device):
    return tuple(o.to(device) for o in outputs) if isinstance(outputs, (tuple, list)) else outputs.to(device)


_VAL_CACHE = {}


@torch.no_grad()
def validate(net, task, samples, cfg, device):
    """Per-face (nme, nme2) on un-augmented crops, points mapped back to image pixels as the evaluation does."""
    net.eval()
    per_face, preds = [], []
    key = (cfg['input_size'], cfg['box_scale'])
    if _VAL_CACHE.get('key') != key or _VAL_CACHE.get('samples') is not samples:
        # The un-augmented validation inputs are the same every epoch: prepare them once.
        _VAL_CACHE.update(key=key, samples=samples,
                          batches=list(augment.batches(samples, cfg['input_size'], cfg['box_scale'], 32)))
    for inputs, _targets, windows in _VAL_CACHE['batches']:
        out = net(inputs.to(device))
        pts = task.predict(to_device(out, 'cpu'), cfg['landmarks']).numpy()
        for k, window in enumerate(windows):
            img_pts = metrics.to_image(pts[k], window)
            preds.append(img_pts)
            per_face.append(metrics.face_errors(img_pts, samples[len(preds) - 1].points))
    return metrics.summarise(per_face), preds


def make_optimizer(net, cfg):
    # PIPNet's official rule: weight decay 5e-4 when not starting from ImageNet weights.
    wd = 5e-4 if (cfg['arch'] == 'pipnet' and not cfg['init_path']) else 0.0
    opt = torch.optim.Adam(net.parameters(), lr=cfg['lr'], weight_decay=wd)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=cfg['decay_steps'], gamma=0.1)
    return opt, sched


def run(net, task, train, val, cfg, state, out_dir, device, log_fn, workers=0):
    """Train from state['epoch'] to cfg['epochs']; returns the final state. Writes last.pth, best.pth, log."""
    if not train:
        raise ValueError('no training sample: refusing to run an epoch over zero samples')
    opt, sched = make_optimizer(net, cfg)
    if state.get('optimizer'):
        opt.load_state_dict(state['optimizer'])
        sched.load_state_dict(state['scheduler'])
    net.to(device)
    bs = cfg['batch']
    per_epoch = len(train) // bs + (1 if len(train) % bs > 1 else 0)  # a last batch of 1 is dropped (BatchNorm)
    if per_epoch == 0:
        raise ValueError('batch size %d leaves no batch of at least 2 images from %d samples' % (bs, len(train)))
    progress = report.Progress()
    dataset = augment.TrainSet(train, cfg['input_size'], cfg['box_scale'], augment.AUGMENTATIONS[cfg['augment']],
                               cfg['flip'], cfg['seed'])
    sec_per_batch = None
    for epoch in range(state['epoch'], cfg['epochs']):
        seed = cfg['seed'] * 100003 + epoch
        torch.manual_seed(seed)
        dataset.epoch = epoch
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed)).tolist()
        loader = torch.utils.data.DataLoader(dataset, batch_size=bs, sampler=order, num_workers=workers,
                                             drop_last=len(train) % bs == 1)  # a batch of 1 breaks BatchNorm
        net.train()
        t0 = time.time()
        total, count = 0.0, 0
        for inputs, targets in loader:
            loss = task.loss(net(inputs.to(device)), targets.to(device))
            if not torch.isfinite(loss):
                raise FloatingPointError('the loss became %s at epoch %d batch %d: lower --lr' % (loss.item(), epoch + 1, count + 1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            count += 1
            left = (cfg['epochs'] - epoch - 1) * per_epoch
            progress.update(epoch + 1, cfg['epochs'], count, per_epoch, total / count, t0, left, sec_per_batch)
            if cfg.get('max_batches') and count >= cfg['max_batches']:
                break
        sched.step()
        train_seconds = time.time() - t0
        sec_per_batch = train_seconds / max(count, 1)
        val_summary, _ = validate(net, task, val, cfg, device) if val else (None, None)
        record = {'epoch': epoch + 1, 'trainLoss': total / count, 'batches': count, 'lr': opt.param_groups[0]['lr'],
                  'trainSeconds': round(train_seconds, 2), 'valSeconds': round(time.time() - t0 - train_seconds, 2),
                  'val': val_summary}
        state['log'].append(record)
        state['epoch'] = epoch + 1
        state['model'] = {k: v.detach().cpu() for k, v in net.state_dict().items()}
        state['optimizer'] = opt.state_dict()
        state['scheduler'] = sched.state_dict()
        improved = val_summary is not None and (state.get('best_nme') is None or val_summary['nmePct'] < state['best_nme'])
        if improved:
            state['best_nme'] = val_summary['nmePct']
            state['best_epoch'] = epoch + 1
        checkpoint.save(os.path.join(out_dir, 'last.pth'), state)
        if improved:
            checkpoint.save(os.path.join(out_dir, 'best.pth'), state)
        report.write_log(os.path.join(out_dir, 'log.json'), log_view(state))
        report.write_curves(os.path.join(out_dir, 'curves.png'), state['log'])
        log_fn('epoch %d/%d: loss %.5f, %s, %.1f s train + %.1f s validation' % (
            epoch + 1, cfg['epochs'], record['trainLoss'],
            ('val NME %.3f %% (NME^2 %.3f %%)' % (val_summary['nmePct'], val_summary['nmeSquaredPct']))
            if val_summary else 'no validation', record['trainSeconds'], record['valSeconds']))
    return state


def log_view(state):
    """The JSON log: the run's settings and facts, and one record per epoch (no tensors)."""
    keep = ('arch', 'landmarks', 'input_size', 'box_scale', 'init', 'data', 'val_name', 'val_data', 'epoch',
            'best_nme', 'best_epoch', 'args', 'torch', 'device', 'threads', 'meanface')
    out = {k: state.get(k) for k in keep}
    if isinstance(out.get('meanface'), np.ndarray):
        out['meanface'] = out['meanface'].tolist()
    out['epochs'] = state['log']
    return out
