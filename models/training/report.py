"""Progress bar with ETA, the JSON log and PNG curves (drawn with PIL: matplotlib is not required)."""
import json
import os
import sys
import time


def fmt_seconds(s):
    s = int(max(0, s))
    return '%d:%02d:%02d' % (s // 3600, s % 3600 // 60, s % 60) if s >= 3600 else '%d:%02d' % (s // 60, s % 60)


class Progress:
    """One status line per batch on a terminal; on a pipe (logs), a line every `every` seconds."""

    def __init__(self, stream=sys.stderr, every=30.0):
        self.stream = stream
        self.tty = stream.isatty()
        self.every = every
        self.last = 0.0

    def update(self, epoch, epochs, done, total, loss, started, run_left_batches, sec_per_batch):
        now = time.time()
        if not self.tty and now - self.last < self.every and done < total:
            return
        self.last = now
        elapsed = now - started
        rate = elapsed / max(done, 1)
        width = 24
        fill = int(width * done / total)
        bar = '#' * fill + '.' * (width - fill)
        line = ('epoch %d/%d [%s] %d/%d loss %.5f  %s elapsed, epoch ETA %s, run ETA %s'
                % (epoch, epochs, bar, done, total, loss, fmt_seconds(elapsed), fmt_seconds(rate * (total - done)),
                   fmt_seconds((sec_per_batch or rate) * run_left_batches + rate * (total - done))))
        self.stream.write(('\r' + line + '\x1b[K') if self.tty else line + '\n')
        if self.tty and done == total:
            self.stream.write('\n')
        self.stream.flush()


def write_log(path, log):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(log, f, indent=1)
    os.replace(tmp, path)


def _plot(draw, box, series, title, font):
    """Line chart of [(label, colour, [(x, y)])] inside box (x0, y0, x1, y1), axes with min/max labels."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, outline=(0, 0, 0))
    draw.text((x0 + 6, y0 - 16), title, fill=(0, 0, 0), font=font)
    pts = [p for _, _, s in series for p in s if p[1] == p[1]]
    if not pts:
        draw.text((x0 + 10, y0 + 10), 'no data yet', fill=(0, 0, 0), font=font)
        return
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    xmin, xmax = min(xs), max(max(xs), min(xs) + 1)
    ymin, ymax = min(ys), max(ys)
    if ymax - ymin < 1e-12:
        ymin, ymax = ymin - 1, ymax + 1
    sx = lambda x: x0 + 8 + (x - xmin) / (xmax - xmin) * (x1 - x0 - 16)  # noqa: E731
    sy = lambda y: y1 - 8 - (y - ymin) / (ymax - ymin) * (y1 - y0 - 16)  # noqa: E731
    draw.text((x0 - 58, y0 + 2), '%.4g' % ymax, fill=(0, 0, 0), font=font)
    draw.text((x0 - 58, y1 - 14), '%.4g' % ymin, fill=(0, 0, 0), font=font)
    draw.text((x0, y1 + 4), 'epoch %g' % xmin, fill=(0, 0, 0), font=font)
    draw.text((x1 - 60, y1 + 4), 'epoch %g' % xmax, fill=(0, 0, 0), font=font)
    for i, (label, colour, s) in enumerate(series):
        s = [p for p in s if p[1] == p[1]]
        line = [(sx(x), sy(y)) for x, y in s]
        if len(line) > 1:
            draw.line(line, fill=colour, width=2)
        for px, py in line:
            draw.ellipse((px - 2, py - 2, px + 2, py + 2), fill=colour)
        draw.text((x1 - 8 - 6 * len(label), y0 + 6 + 14 * i), label, fill=colour, font=font)


def write_curves(path, epochs):
    """curves.png: training loss (left) and validation NME / NME^2 (right) per epoch."""
    from PIL import Image, ImageDraw, ImageFont
    img = Image.new('RGB', (1000, 400), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    loss = [(e['epoch'], e['trainLoss']) for e in epochs]
    nme = [(e['epoch'], e['val']['nmePct']) for e in epochs if e.get('val')]
    nme2 = [(e['epoch'], e['val']['nmeSquaredPct']) for e in epochs if e.get('val')]
    _plot(draw, (70, 30, 480, 360), [('train loss', (200, 40, 40), loss)], 'training loss', font)
    _plot(draw, (580, 30, 990, 360), [('NME % (inter-ocular)', (30, 90, 200), nme),
                                      ('NME^2 % (reference variant)', (30, 150, 60), nme2)], 'validation', font)
    tmp = path + '.tmp.png'
    img.save(tmp)
    os.replace(tmp, path)
