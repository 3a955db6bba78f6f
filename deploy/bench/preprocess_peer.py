"""The peer of `mammoflow bench model`'s preprocessing figure: the same DICOM-to-tensor steps
as `mammorg::preprocess` (decode, modality LUT, first VOI window or min-max, MONOCHROME1
inversion, breast box from the largest bright region on a <=256-cell grid, chest wall to the
right, square canvas, antialiased bilinear resize, normalise to [-1, 1]) written the usual way
with pydicom + numpy + scipy + Pillow.

Usage: preprocess_peer.py SIZE STUDY_DIR...   (each holding RCC/RMLO/LCC/LMLO.dcm)
Prints one JSON line: {"studies": n, "seconds": s, "checksum": c}.
"""
import json
import sys
import time

import numpy as np
import pydicom
from PIL import Image
from scipy import ndimage

VIEWS = [("RCC", "R"), ("RMLO", "R"), ("LCC", "L"), ("LMLO", "L")]
GRID, THRESHOLD, MARGIN = 256, 0.08, 0.02


def display(path):
    ds = pydicom.dcmread(path)
    v = ds.pixel_array.astype(np.float32) * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))
    center, width = getattr(ds, "WindowCenter", None), getattr(ds, "WindowWidth", None)
    if center is None or width is None:
        lo, hi = float(v.min()), float(v.max())
        w = max(hi - lo, 1e-6)
        y = (v - lo) / w
    else:
        c = float(center[0] if isinstance(center, pydicom.multival.MultiValue) else center)
        w = float(width[0] if isinstance(width, pydicom.multival.MultiValue) else width)
        fn = str(getattr(ds, "VOILUTFunction", "LINEAR") or "LINEAR")
        if fn == "SIGMOID":
            y = 1.0 / (1.0 + np.exp(-4.0 * (v - c) / w))
        elif fn == "LINEAR_EXACT":
            y = (v - (c - w / 2)) / w
        else:
            y = (v - (c - 0.5)) / (w - 1) + 0.5
    y = np.clip(y, 0.0, 1.0)
    return 1.0 - y if ds.PhotometricInterpretation == "MONOCHROME1" else y


def prepare(img, laterality, size):
    rows, cols = img.shape
    f = max(-(-max(rows, cols) // GRID), 1)
    gh, gw = -(-rows // f), -(-cols // f)
    padded = np.zeros((gh * f, gw * f), np.float32)
    padded[:rows, :cols] = img
    counts = np.zeros((gh * f, gw * f), np.float32)
    counts[:rows, :cols] = 1
    means = padded.reshape(gh, f, gw, f).sum((1, 3)) / counts.reshape(gh, f, gw, f).sum((1, 3))
    labels, n = ndimage.label(means > THRESHOLD)
    if n == 0:
        raise ValueError("no breast tissue")
    largest = np.argmax(np.bincount(labels.ravel())[1:]) + 1
    ys, xs = np.nonzero(labels == largest)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    l, r = np.sum(xs == left), np.sum(xs == right - 1)
    wall_left = l > 1.5 * r or (not r > 1.5 * l and laterality == "L")
    top, bottom, left, right = top * f, min(bottom * f, rows), left * f, min(right * f, cols)
    pad = int(round(MARGIN * max(bottom - top, right - left)))
    top, bottom = max(top - pad, 0), min(bottom + pad, rows)
    left, right = max(left - pad, 0), min(right + pad, cols)
    crop = img[top:bottom, left:right]
    if wall_left:
        crop = crop[:, ::-1]
    h, w = crop.shape
    side = max(h, w)
    canvas = np.zeros((side, side), np.float32)
    dy = (side - h) // 2
    canvas[dy:dy + h, side - w:] = crop
    resized = np.asarray(Image.fromarray(canvas, mode="F").resize((size, size), Image.BILINEAR))
    return (np.clip(resized, 0.0, 1.0) - 0.5) / 0.5


def main():
    size, studies = int(sys.argv[1]), sys.argv[2:]
    checksum = 0.0
    start = time.perf_counter()
    for study in studies:
        planes = np.stack([prepare(display(f"{study}/{v}.dcm"), lat, size) for v, lat in VIEWS])
        tensor = np.repeat(planes[:, None], 3, axis=1)
        checksum += float(tensor.mean())
    seconds = time.perf_counter() - start
    print(json.dumps({"studies": len(studies), "seconds": seconds, "checksum": checksum}))


if __name__ == "__main__":
    main()
