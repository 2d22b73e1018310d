"""models/train.py's pieces: data, augmentation, PIPNet targets/loss, metrics, the loop, logs and checkpoints."""
