"""Model artefacts: the fast linear model, the accurate encoder model and the fitted score weights.

Everything is stored as plain arrays and JSON (no pickles), so artefacts load fast and cannot run code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..model import CATEGORIES, Category
from .features import Vocabulary


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable."""
    z: np.ndarray = np.exp(logits - logits.max(axis=1, keepdims=True))
    z /= z.sum(axis=1, keepdims=True)
    return z


@dataclass
class LinearModel:
    """A multinomial linear model with temperature scaling for calibrated probabilities."""

    coef: np.ndarray
    intercept: np.ndarray
    temperature: float = 1.0
    classes: tuple[Category, ...] = CATEGORIES
    # (coef it was made from, its float64 transpose), made on first use.
    _coef64: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False, compare=False)

    def logits(self, x: sp.csr_matrix | np.ndarray) -> np.ndarray:
        """Raw class scores, summed in float64.

        The coefficients are stored as float32, but the products are summed in float64: a float32
        sum depends on the order of a row's features in the last bits, a float64 sum only far below
        anything the verdict shows, so batch and single-request paths may order features as suits
        them.
        """
        cached = self._coef64
        if cached is None or cached[0] is not self.coef:
            cached = self._coef64 = (self.coef, np.ascontiguousarray(self.coef.T, dtype=np.float64))
        coef64 = cached[1]
        x = x.astype(np.float64) if sp.issparse(x) else np.asarray(x, dtype=np.float64)
        out: np.ndarray = np.asarray(x @ coef64) + self.intercept
        return out

    def predict_proba(self, x: sp.csr_matrix | np.ndarray) -> np.ndarray:
        """Calibrated class probabilities, columns in `classes` order."""
        probs: np.ndarray = softmax(self.logits(x) / self.temperature)
        return probs

    def save(self, path: Path) -> None:
        """Write the arrays as a compressed .npz file."""
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float64),
            temperature=np.array([self.temperature]),
            classes=np.array([c.value for c in self.classes]),
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model written by `save`."""
        with np.load(path, allow_pickle=False) as z:
            return cls(
                coef=np.ascontiguousarray(z["coef"]),
                intercept=z["intercept"],
                temperature=float(z["temperature"][0]),
                classes=tuple(Category(str(c)) for c in z["classes"]),
            )


@dataclass
class ScoreWeights:
    """Fitted signal weights for the 0-100 quality score (positive = a good sign)."""

    bias: float
    weights: dict[str, float]
    model_weight: float
    ham_preference: float = 1.0
    fitted_on: str = ""
    caps: dict[str, float] = field(default_factory=dict)
    # The model's probability is clipped to [clip, 1 - clip] before its log-odds enter the score,
    # so the score keeps telling a thin collector from a decent one even when the model is sure.
    model_clip: float = 0.1

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "bias": self.bias,
            "model_weight": self.model_weight,
            "ham_preference": self.ham_preference,
            "fitted_on": self.fitted_on,
            "caps": self.caps,
            "model_clip": self.model_clip,
            "weights": dict(sorted(self.weights.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScoreWeights:
        """Inverse of `to_json`."""
        return cls(
            bias=float(data["bias"]),
            weights={k: float(v) for k, v in data["weights"].items()},
            model_weight=float(data["model_weight"]),
            ham_preference=float(data.get("ham_preference", 1.0)),
            fitted_on=str(data.get("fitted_on", "")),
            caps={k: float(v) for k, v in data.get("caps", {}).items()},
            model_clip=float(data.get("model_clip", 0.1)),
        )


@dataclass
class ModelBundle:
    """Everything the screener needs from training: fast model, vocabulary, score weights, cascade."""

    vocab: Vocabulary
    fast: LinearModel
    score: ScoreWeights
    accurate: LinearModel | None = None
    cascade_threshold: float = 0.0
    accurate_mix: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        """Write all artefacts into a directory."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "vocab.json").write_text(
            json.dumps(sorted(self.vocab.index, key=self.vocab.index.__getitem__), ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        self.fast.save(directory / "fast.npz")
        (directory / "score.json").write_text(
            json.dumps(self.score.to_json(), indent=1) + "\n", encoding="utf-8"
        )
        if self.accurate is not None:
            self.accurate.save(directory / "accurate.npz")
        meta = dict(self.meta, cascade_threshold=self.cascade_threshold, accurate_mix=self.accurate_mix)
        (directory / "meta.json").write_text(
            json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path | None = None) -> ModelBundle:
        """Load artefacts from a directory; by default the ones shipped inside the package."""
        if directory is None:
            directory = Path(str(resources.files("kontaktfilter") / "resources" / "model"))
        if not (directory / "fast.npz").exists():
            raise FileNotFoundError(f"no trained model in {directory} (run `make model`)")
        names = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        acc_path = directory / "accurate.npz"
        return cls(
            vocab=Vocabulary({n: i for i, n in enumerate(names)}),
            fast=LinearModel.load(directory / "fast.npz"),
            score=ScoreWeights.from_json(json.loads((directory / "score.json").read_text(encoding="utf-8"))),
            accurate=LinearModel.load(acc_path) if acc_path.exists() else None,
            cascade_threshold=float(meta.get("cascade_threshold", 0.0)),
            accurate_mix=float(meta.get("accurate_mix", 0.5)),
            meta=meta,
        )
