"""PIPNet training pieces, after the official code (jhb86253817/PIPNet, lib/functions.py and lib/data_utils.py).

- mean face: the mean of the training targets in the training crop's normalised frame, rounded to 6 decimals as
  the exported contract stores it (so the neighbour sets here and in trt-landmarker's decoder are the same);
- neighbours: per landmark the `num_nb` nearest others of the mean face (stable argsort of squared distances,
  the rule of src/contract/pipnet.ts);
- targets (gen_target_pip): per landmark the cell holding it gets score 1, the offsets of the point inside that
  cell and of its neighbours relative to the cell, in cell units;
- loss (compute_loss_pip + train_model): 10 x MSE(score maps) + 1 x L1 on x, y, nb_x, nb_y offsets read at the
  ground-truth cell (the official pip_32_16_60_r18_l2_l1_10_1_nb10 configuration: cls_loss_weight 10,
  reg_loss_weight 1);
- decoding (forward_pip + the reverse-index merge) for the validation NME, as the addon decodes at inference.
"""
import numpy as np
import torch
import torch.nn.functional as F

from meanface import neighbour_indices  # noqa: F401 (PIPNet's rule, shared with the export)

CLS_LOSS_WEIGHT = 10
REG_LOSS_WEIGHT = 1


def mean_face(targets):
    """targets: [N, L, 2] normalised points -> [L, 2] float64, rounded like the contract's meanFace."""
    return np.round(np.mean(np.asarray(targets, dtype=np.float64), axis=0), 6)


def reverse_index(nb):
    """PIPNet's reverse_index1/2 with cyclic padding (src/contract/pipnet.ts neighbourTables)."""
    n, num_nb = nb.shape
    rev1 = [[] for _ in range(n)]
    rev2 = [[] for _ in range(n)]
    for i in range(n):
        for j in range(num_nb):
            rev1[nb[i][j]].append(i)
            rev2[nb[i][j]].append(j)
    max_len = max(len(r) for r in rev1)
    if min(len(r) for r in rev1) == 0:
        raise ValueError('a landmark is nobody\'s neighbour in this mean face: PIPNet cannot decode it')
    r1 = [[r[m % len(r)] for m in range(max_len)] for r in rev1]
    r2 = [[r2_[m % len(r2_)] for m in range(max_len)] for r2_ in rev2]
    return torch.tensor(r1).reshape(-1), torch.tensor(r2).reshape(-1), max_len


def make_targets(points, nb, grid):
    """points [B, L, 2] normalised -> cls [B, L, g, g], x, y [B, L, g, g], nb_x, nb_y [B, L*K, g, g]."""
    b, n, _ = points.shape
    k = nb.shape[1]
    scaled = points * grid
    cell = scaled.floor().clamp(0, grid - 1).long()  # [B, L, 2]
    flat = (cell[..., 1] * grid + cell[..., 0])  # [B, L]
    cls = torch.zeros(b, n, grid * grid)
    cls.scatter_(2, flat.unsqueeze(-1), 1.0)
    local = scaled - cell.float()  # [B, L, 2]
    nbt = torch.as_tensor(nb, dtype=torch.long)
    nb_pts = scaled[:, nbt.reshape(-1), :].reshape(b, n, k, 2) - cell.float().unsqueeze(2)  # [B, L, K, 2]
    def place(values, channels):
        out = torch.zeros(b, channels, grid * grid)
        idx = flat if channels == n else flat.repeat_interleave(k, dim=1)
        out.scatter_(2, idx.unsqueeze(-1), values.reshape(b, channels, 1))
        return out.reshape(b, channels, grid, grid)
    return (cls.reshape(b, n, grid, grid), place(local[..., 0], n), place(local[..., 1], n),
            place(nb_pts[..., 0], n * k), place(nb_pts[..., 1], n * k))


def pip_loss(outputs, targets, num_nb):
    """The official compute_loss_pip weighted as in train_model. Returns (total, parts dict)."""
    o_cls, o_x, o_y, o_nbx, o_nby = outputs
    t_cls, t_x, t_y, t_nbx, t_nby = targets
    b, c, h, w = o_cls.shape
    ids = t_cls.reshape(b * c, -1).argmax(1).reshape(-1, 1)
    ids_nb = ids.repeat(1, num_nb).reshape(-1, 1)
    pick = lambda t, rows, i: torch.gather(t.reshape(rows, -1), 1, i)  # noqa: E731
    loss_map = F.mse_loss(o_cls, t_cls)
    loss_x = F.l1_loss(pick(o_x, b * c, ids), pick(t_x, b * c, ids))
    loss_y = F.l1_loss(pick(o_y, b * c, ids), pick(t_y, b * c, ids))
    loss_nbx = F.l1_loss(pick(o_nbx, b * c * num_nb, ids_nb), pick(t_nbx, b * c * num_nb, ids_nb))
    loss_nby = F.l1_loss(pick(o_nby, b * c * num_nb, ids_nb), pick(t_nby, b * c * num_nb, ids_nb))
    total = CLS_LOSS_WEIGHT * loss_map + REG_LOSS_WEIGHT * (loss_x + loss_y + loss_nbx + loss_nby)
    return total, {'map': loss_map.item(), 'x': loss_x.item(), 'y': loss_y.item(),
                   'nb_x': loss_nbx.item(), 'nb_y': loss_nby.item()}


@torch.no_grad()
def decode(outputs, nb, rev):
    """Network outputs -> [B, L, 2] normalised points (PIPNet's forward_pip + neighbour merge)."""
    o_cls, o_x, o_y, o_nbx, o_nby = outputs
    b, n, h, w = o_cls.shape
    k = nb.shape[1]
    ids = o_cls.reshape(b, n, -1).argmax(2)  # [B, L]
    col = (ids % w).float()
    row = torch.div(ids, w, rounding_mode='floor').float()
    gx = torch.gather(o_x.reshape(b, n, -1), 2, ids.unsqueeze(-1))[..., 0]
    gy = torch.gather(o_y.reshape(b, n, -1), 2, ids.unsqueeze(-1))[..., 0]
    ids_nb = ids.repeat_interleave(k, dim=1).unsqueeze(-1)
    nbx = torch.gather(o_nbx.reshape(b, n * k, -1), 2, ids_nb)[..., 0].reshape(b, n, k)
    nby = torch.gather(o_nby.reshape(b, n * k, -1), 2, ids_nb)[..., 0].reshape(b, n, k)
    px = (col + gx) / w
    py = (row + gy) / h
    nb_px = (col.unsqueeze(-1) + nbx) / w  # [B, L, K]: where landmark i puts its j-th neighbour
    nb_py = (row.unsqueeze(-1) + nby) / h
    r1, r2, max_len = rev
    tx = nb_px[:, r1, r2].reshape(b, n, max_len)
    ty = nb_py[:, r1, r2].reshape(b, n, max_len)
    x = torch.cat([px.unsqueeze(-1), tx], dim=2).mean(2)
    y = torch.cat([py.unsqueeze(-1), ty], dim=2).mean(2)
    return torch.stack([x, y], dim=-1)
