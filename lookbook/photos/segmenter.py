"""A learned foreground segmenter: U²-Netp, run on the CPU with OpenCV's DNN module.

The classical detector (:mod:`lookbook.photos.detect`) models the background from the photo's border;
it fails together with that model (a garment that fills the frame, a busy print, beige on
beige). U²-Netp, a 4.7 MB salient-object network (Apache-2.0, see
``resources/models/README.md``), owes nothing to the border, so it is the detector's second
opinion: where the two boxes part ways the box needs a person's look, and the larger of the two
is kept (measured on the tune and held-out labelled photos: a miss cuts off a sleeve or a hat's
brim far more often than either takes in background).

The weights ship in ``resources/models/``; nothing is downloaded at run time. OpenCV (already a
dependency) runs the ONNX graph, so the segmenter adds no package. Where the file is missing or
OpenCV cannot read it, :func:`saliency` returns ``None`` and the detector works alone.

ONNX Runtime (1.32, one thread, all graph optimisations) was measured against OpenCV 5's DNN on the same
inputs for issue 18: 507 against 499 ms at 320 px (the graph's own input size), 289 against 321 ms at 256 px
(with the input's size made free in a copy of the graph), probabilities within 7e-5 and no pixel changing
sides of :data:`lookbook.photos.detect.SEG_THRESHOLD`. A tenth off the forward pass did not earn a second
inference runtime and an edited weights file, so OpenCV stays. A batch of four photos per forward pass costs
the same per photo (308 ms) as one at a time. Nor can it be run on fewer photos without changing results:
where the cheap colour pass is sure (96 of the 186 ``tune`` photos) its answer still moves a box on 1, flags 6
for review and finds a hanger's hook on 20; even on the 26 the cheap pass is surest of (confidence >= 0.9) it
finds 2 hooks.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

#: The ONNX file, beside the other resources of the repository.
MODEL_PATH = Path(__file__).resolve().parents[2] / "resources" / "models" / "u2netp.onnx"
#: The network's input side. It was trained at 320 x 320; at 256 it costs 0.34 s of one core instead
#: of 0.53 s (``python -m bench.segmenter_cost``) and, as the detector's second opinion, gives the same
#: boxes and flags within noise on the tune and held-out splits (mean IoU 0.957 / 0.943 against
#: 0.960 / 0.942 at 320; every box with IoU < 0.7 flagged at both sides).
#: Smaller inputs were measured for issue 18 (forward pass, ms of one core: 256 311, 240 267, 224 233,
#: 192 171; 192 x 256 keeping a 3:4 photo's shape 233, 168 x 224 172) and each lowers a quality figure:
#: ``bench.detail_quality --split heldout4`` (crops holding their point 94.2 % at 256; 92.6 % at 240,
#: 93.4 % at 224 and 192, 92.6 % at 192 x 256; photos with a hanger or prop flagged for review 18 of 21
#: at 256, 16-17 below), ``bench.pipeline_quality --split heldout5`` (mean IoU 0.929 at 256, 0.927 at
#: 192 x 256; 90.0 % at IoU >= 0.85, 88.3 % at 192) or ``--split heldout4`` (0.957 at 256, 0.950 at
#: 168 x 224). A hanger's hook (:func:`lookbook.photos.detect._thin_top`) is a few pixels wide at 256 and
#: is the first thing lost.
INPUT_SIDE = 256
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)

_lock = threading.Lock()
_net: cv2.dnn.Net | None = None
_failed = False


def _load() -> cv2.dnn.Net | None:
    """Return the network, read once per process; ``None`` where it cannot be had."""
    global _net, _failed
    with _lock:
        if _net is None and not _failed:
            try:
                _net = cv2.dnn.readNetFromONNX(str(MODEL_PATH))
            except (cv2.error, OSError):
                _failed = True  # no weights or an OpenCV without the ONNX importer: classical passes only
        return _net


def available() -> bool:
    """Return whether the segmenter can run here."""
    return MODEL_PATH.is_file() and _load() is not None


def saliency(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray | None:
    """Return the garment probability (float32, 0..1) of each pixel, resized to ``size`` = (w, h).

    :param rgb: ``H x W x 3`` uint8 RGB photo, upright (a working copy of a few hundred px is enough:
        the network sees it at :data:`INPUT_SIDE` px square).
    :returns: ``None`` where the segmenter is not available.
    """
    if not MODEL_PATH.is_file():
        return None
    net = _load()
    if net is None:
        return None
    x = cv2.resize(rgb, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    blob = ((x - _MEAN) / _STD).transpose(2, 0, 1)[None]
    # One forward pass at a time: an OpenCV Net keeps its input and buffers between calls.
    with _lock:
        net.setInput(np.ascontiguousarray(blob))
        out = net.forward()  # the first output, d0: the fused map, already through a sigmoid
    prob = np.clip(out[0, 0], 0.0, 1.0).astype(np.float32)
    return cv2.resize(prob, size, interpolation=cv2.INTER_LINEAR)
