"""The three landmark architectures of the reference work, as PyTorch modules.

- resnet50 / mobilenetv3: torchvision ResNet50 and MobileNetV3-Large with the last linear layer replaced by
  Linear(features, 2 * L): direct regression of (x, y) pairs normalised 0..1 to the model input.
  Module names are torchvision's, so a checkpoint trained from torchvision's model with that one layer
  replaced loads unchanged.
- pipnet: PIPNet-ResNet18 (net stride 32, 10 neighbours), laid out exactly like the official code's
  Pip_resnet18 (conv1, bn1, maxpool, layer1..layer4 directly on the net; heads cls_layer, x_layer, y_layer,
  nb_x_layer, nb_y_layer), so the published state_dicts load with strict=True.

Weights are random (seeded; there is no pretrained download) or come from a checkpoint.
"""
import pickle
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ARCHS = ('resnet50', 'mobilenetv3', 'pipnet')
DEFAULT_INPUT_SIZE = {'resnet50': 224, 'mobilenetv3': 224, 'pipnet': 256}
PIPNET_STRIDE = 32
PIPNET_NEIGHBORS = 10


def regression_resnet50(landmarks):
    net = torchvision.models.resnet50(weights=None)
    net.fc = nn.Linear(net.fc.in_features, 2 * landmarks)
    return net


def regression_mobilenetv3(landmarks):
    net = torchvision.models.mobilenet_v3_large(weights=None)
    last = net.classifier[-1]
    net.classifier[-1] = nn.Linear(last.in_features, 2 * landmarks)
    return net


class PipResnet18(nn.Module):
    """PIPNet head on a ResNet18 trunk at net stride 32 (an 8x8 map for a 256x256 input).

    Outputs per landmark: a score map (cls), x/y offsets inside the winning cell, and x/y offsets of
    `num_nb` neighbouring landmarks relative to that cell (nb_x/nb_y, [N, num_nb * L, h, w]).
    Attribute names match the official Pip_resnet18 so its state_dict keys are identical.
    """

    def __init__(self, num_nb=PIPNET_NEIGHBORS, num_lms=68, input_size=256, net_stride=PIPNET_STRIDE):
        super().__init__()
        if net_stride != 32:
            raise ValueError('only net stride 32 is implemented (got %r)' % net_stride)
        resnet = torchvision.models.resnet18(weights=None)
        self.num_nb = num_nb
        self.num_lms = num_lms
        self.input_size = input_size
        self.net_stride = net_stride
        self.conv1 = resnet.conv1
        self.bn1 = resnet.bn1
        self.maxpool = resnet.maxpool
        self.sigmoid = nn.Sigmoid()  # unused in forward; kept because the official net has it (no parameters)
        self.layer1 = resnet.layer1
        self.layer2 = resnet.layer2
        self.layer3 = resnet.layer3
        self.layer4 = resnet.layer4
        channels = 512
        self.cls_layer = nn.Conv2d(channels, num_lms, kernel_size=1, stride=1, padding=0)
        self.x_layer = nn.Conv2d(channels, num_lms, kernel_size=1, stride=1, padding=0)
        self.y_layer = nn.Conv2d(channels, num_lms, kernel_size=1, stride=1, padding=0)
        self.nb_x_layer = nn.Conv2d(channels, num_nb * num_lms, kernel_size=1, stride=1, padding=0)
        self.nb_y_layer = nn.Conv2d(channels, num_nb * num_lms, kernel_size=1, stride=1, padding=0)
        # PIPNet initialises its heads with N(0, 0.001) weights and zero bias.
        for head in (self.cls_layer, self.x_layer, self.y_layer, self.nb_x_layer, self.nb_y_layer):
            nn.init.normal_(head.weight, std=0.001)
            nn.init.constant_(head.bias, 0)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return (self.cls_layer(x), self.x_layer(x), self.y_layer(x), self.nb_x_layer(x), self.nb_y_layer(x))


def build_model(arch, landmarks=68, input_size=None, seed=0):
    """A freshly initialised model in eval mode (torch's default init under `seed`)."""
    if arch not in ARCHS:
        raise ValueError('unknown architecture %r (expected one of %s)' % (arch, ', '.join(ARCHS)))
    if landmarks not in (68, 70):
        raise ValueError('landmarks must be 68 or 70 (got %r)' % landmarks)
    size = input_size or DEFAULT_INPUT_SIZE[arch]
    torch.manual_seed(seed)
    if arch == 'resnet50':
        net = regression_resnet50(landmarks)
    elif arch == 'mobilenetv3':
        net = regression_mobilenetv3(landmarks)
    else:
        if size % PIPNET_STRIDE != 0:
            raise ValueError('PIPNet input size must be a multiple of %d (got %d)' % (PIPNET_STRIDE, size))
        net = PipResnet18(num_nb=PIPNET_NEIGHBORS, num_lms=landmarks, input_size=size)
    return net.eval()


def synthetic_images(count, size, generator):
    """Smooth random colour fields plus fine noise, ImageNet-normalised range: stand-ins for photos."""
    coarse = torch.rand(count, 3, 7, 7, generator=generator) * 2 - 1
    smooth = F.interpolate(coarse, size=(size, size), mode='bicubic', align_corners=False)
    fine = torch.randn(count, 3, size, size, generator=generator) * 0.3
    return (smooth * 1.6 + fine).clamp(-2.1, 2.6)


@torch.no_grad()
def calibrate_batchnorm(net, input_size, seed=0, batches=2, batch_size=3):
    """Set every BatchNorm's running mean/variance to the statistics of synthetic images.

    Why: a freshly initialised net keeps BN statistics of mean 0 / variance 1, which do not match its actual
    activations. In eval mode the activations then drift layer by layer: MobileNetV3's shrink to ~1e-9
    (below float16's smallest value, and its output becomes a constant: the last layer's bias), ResNet50's
    grow to hundreds. With calibrated statistics each layer sees unit-scale inputs, as in a trained net, so
    random-weight models respond to their input and exercise FP16 meaningfully. Weights are untouched.
    """
    g = torch.Generator().manual_seed(seed + 1)
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
    net.train()
    for _ in range(batches):
        net(synthetic_images(batch_size, input_size, g))
    for m, momentum in zip(bns, saved):
        m.momentum = momentum
    return net.eval()


def extract_state_dict(obj):
    """Accept a raw state_dict, {'state_dict': ...} or {'model': ...}; strip DataParallel's 'module.' prefix."""
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ('state_dict', 'model'):
            if isinstance(obj.get(key), nn.Module):  # a whole pickled model under 'model'
                obj = obj[key].state_dict()
                break
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise ValueError('checkpoint is not a state_dict (nor {"state_dict": ...} / {"model": ...})')
    out = OrderedDict()
    for k, v in obj.items():
        out[k[len('module.'):] if k.startswith('module.') else k] = v
    return out


def load_checkpoint(net, path):
    """Load weights strictly: a missing or unexpected key is an error naming the keys."""
    try:
        loaded = torch.load(path, map_location='cpu')
    except (pickle.UnpicklingError, EOFError, RuntimeError) as e:
        raise ValueError('%s is not a PyTorch checkpoint (%s)' % (path, e))
    state = extract_state_dict(loaded)
    result = net.load_state_dict(state, strict=False)
    problems = []
    if result.missing_keys:
        problems.append('missing keys: ' + ', '.join(result.missing_keys[:8]) +
                        (' ...' if len(result.missing_keys) > 8 else ''))
    if result.unexpected_keys:
        problems.append('unexpected keys: ' + ', '.join(result.unexpected_keys[:8]) +
                        (' ...' if len(result.unexpected_keys) > 8 else ''))
    if problems:
        raise ValueError('checkpoint %s does not fit this model (%s)' % (path, '; '.join(problems)))
    return net.eval()


def output_names(arch):
    return ['cls', 'x', 'y', 'nb_x', 'nb_y'] if arch == 'pipnet' else ['landmarks']
