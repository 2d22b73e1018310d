"""The reference work's training presets (and PIPNet's official 300W configuration for PIPNet).

PIPNet: jhb86253817/PIPNet experiments/data_300W/pip_32_16_60_r18_l2_l1_10_1_nb10.py: Adam, lr 1e-4, batch 16,
60 epochs, lr x 0.1 at epochs 30 and 50, input 256, net stride 32, 10 neighbours, L2 maps x 10 + L1 offsets x 1,
weight decay 5e-4 when not starting from ImageNet weights.
Regression: ResNet50 70 epochs lr 1e-3 batch 8; MobileNetV3 70 epochs lr 1e-3 batch 32; 224 px; MSE; Adam.
The reference does not state a learning-rate schedule for them; none is applied (constant lr).
"""
PRESETS = {
    'resnet50': {'epochs': 70, 'lr': 1e-3, 'batch': 8, 'input_size': 224, 'decay_steps': [], 'box_scale': 1.6},
    'mobilenetv3': {'epochs': 70, 'lr': 1e-3, 'batch': 32, 'input_size': 224, 'decay_steps': [], 'box_scale': 1.6},
    'pipnet': {'epochs': 60, 'lr': 1e-4, 'batch': 16, 'input_size': 256, 'decay_steps': [30, 50], 'box_scale': 1.1},
}
