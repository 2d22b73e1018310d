"""Test fixture: checkpoints in the layouts users bring, and PyTorch's outputs for them.

Deliberately independent of models/*.py: the PIPNet state_dict is assembled from torchvision's ResNet18
plus the five head names of the official PIPNet code, and the reference outputs come from a plain
functional forward over those tensors. If models/architectures.py named or wired anything differently,
the export would fail to load the checkpoint or its outputs would differ.

usage: python make_checkpoints.py OUTDIR   -> writes *.pth, meanface.txt, *.bin and manifest.json
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
import torchvision

L, NB = 68, 10
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(1234)


def randomise_bn(net):
    # Non-trivial BatchNorm statistics and affine terms, so that a wrong BN folding would show.
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.4, 1.0)
            m.bias.data.uniform_(-0.1, 0.1)
    return net.eval()


def save_bin(name, t):
    t.detach().contiguous().float().numpy().tofile(os.path.join(out, name + '.bin'))
    return {'file': name + '.bin', 'shape': list(t.shape)}


manifest = {}

# PIPNet-ResNet18 in the official layout: backbone names at the top level, heads by their official names.
r18 = randomise_bn(torchvision.models.resnet18(weights=None))
state = {k: v for k, v in r18.state_dict().items() if not k.startswith('fc.')}
heads = [('cls_layer', L), ('x_layer', L), ('y_layer', L), ('nb_x_layer', NB * L), ('nb_y_layer', NB * L)]
for name, ch in heads:
    state[name + '.weight'] = torch.randn(ch, 512, 1, 1) * 0.02
    state[name + '.bias'] = torch.randn(ch) * 0.1
torch.save(state, os.path.join(out, 'pipnet_raw.pth'))
torch.save({'state_dict': {'module.' + k: v for k, v in state.items()}}, os.path.join(out, 'pipnet_module.pth'))

meanface = torch.rand(L, 2) * 0.8 + 0.1
with open(os.path.join(out, 'meanface.txt'), 'w') as f:
    f.write(' '.join('%.10f' % v for v in meanface.reshape(-1).tolist()) + '\n')

g = torch.Generator().manual_seed(99)
pip_in = torch.rand(2, 3, 256, 256, generator=g) * 4.0 - 2.0
with torch.no_grad():
    x = F.relu(r18.bn1(r18.conv1(pip_in)))
    x = r18.layer4(r18.layer3(r18.layer2(r18.layer1(r18.maxpool(x)))))
    pip_out = {n: F.conv2d(x, state[n + '.weight'], state[n + '.bias']) for n, _ in heads}
onnx_names = {'cls_layer': 'cls', 'x_layer': 'x', 'y_layer': 'y', 'nb_x_layer': 'nb_x', 'nb_y_layer': 'nb_y'}
manifest['pipnet'] = {
    'input': save_bin('pipnet_input', pip_in),
    'outputs': {onnx_names[n]: save_bin('pipnet_' + onnx_names[n], t) for n, t in pip_out.items()},
    'meanface': meanface.reshape(-1).tolist(),
}

# MobileNetV3-Large with the last classifier layer replaced, saved as {'model': state_dict}.
mnv3 = torchvision.models.mobilenet_v3_large(weights=None)
mnv3.classifier[-1] = torch.nn.Linear(mnv3.classifier[-1].in_features, 2 * L)
randomise_bn(mnv3)
# MobileNetV3's activations vanish through 16 blocks unless BN statistics match them (then its output is just
# the last bias, whatever the input): measure them on random images first, as training would.
with torch.no_grad():
    for m in mnv3.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    mnv3.train()
    mnv3(torch.rand(4, 3, 224, 224) * 4.0 - 2.0)
    mnv3.eval()
torch.save({'model': mnv3.state_dict(), 'epoch': 7}, os.path.join(out, 'mobilenetv3_model.pth'))
mn_in = torch.rand(2, 3, 224, 224, generator=g) * 4.0 - 2.0
with torch.no_grad():
    mn_out = mnv3(mn_in)
manifest['mobilenetv3'] = {
    'input': save_bin('mobilenetv3_input', mn_in),
    'outputs': {'landmarks': save_bin('mobilenetv3_landmarks', mn_out)},
}

with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump(manifest, f)
