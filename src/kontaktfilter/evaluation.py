"""Screening quality on labelled data: per-category precision/recall/F1, confusion, harsh-on-good rate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import CATEGORIES, GOOD_CATEGORIES, HARSH_ACTIONS, Category, Verdict


@dataclass(frozen=True)
class CategoryScores:
    """Precision, recall, F1 and support of one category."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class EvalResult:
    """All numbers for one slice of labelled data."""

    n: int
    accuracy: float
    macro_f1: float
    per_category: dict[Category, CategoryScores]
    confusion: list[list[int]]
    good_total: int
    good_harsh: int
    good_harsh_ids: list[str] = field(default_factory=list)
    by_lang: dict[str, EvalResult] = field(default_factory=dict)

    @property
    def good_harsh_rate(self) -> float:
        """Share of good requests (personal_known, relevant_business) sent to ignore or block_report."""
        return self.good_harsh / self.good_total if self.good_total else 0.0

    def to_json(self) -> dict[str, object]:
        """JSON-ready numbers."""
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "good_to_ignore_or_block": {"count": self.good_harsh, "of": self.good_total,
                                        "rate": round(self.good_harsh_rate, 4), "ids": self.good_harsh_ids},
            "per_category": {c.value: {"precision": round(s.precision, 4), "recall": round(s.recall, 4),
                                       "f1": round(s.f1, 4), "support": s.support}
                             for c, s in self.per_category.items()},
            "confusion": {"labels": [c.value for c in CATEGORIES], "rows_true_cols_predicted": self.confusion},
            "by_lang": {k: v.to_json() for k, v in self.by_lang.items()},
        }  # fmt: skip


def evaluate(
    labels: Sequence[Category], verdicts: Sequence[Verdict], langs: Sequence[str] | None = None
) -> EvalResult:
    """Compare predicted categories and actions with true labels; per language when langs are given."""
    result = _evaluate(labels, verdicts)
    if langs is not None:
        for lang in sorted(set(langs)):
            idx = [i for i, x in enumerate(langs) if x == lang]
            result.by_lang[lang] = _evaluate([labels[i] for i in idx], [verdicts[i] for i in idx])
    return result


def _evaluate(labels: Sequence[Category], verdicts: Sequence[Verdict]) -> EvalResult:
    k = {c: i for i, c in enumerate(CATEGORIES)}
    confusion = [[0] * len(CATEGORIES) for _ in CATEGORIES]
    for y, v in zip(labels, verdicts, strict=True):
        confusion[k[y]][k[v.category]] += 1
    per: dict[Category, CategoryScores] = {}
    for c, i in k.items():
        tp = confusion[i][i]
        pred = sum(row[i] for row in confusion)
        true = sum(confusion[i])
        p = tp / pred if pred else 0.0
        r = tp / true if true else 0.0
        per[c] = CategoryScores(p, r, 2 * p * r / (p + r) if p + r else 0.0, true)
    present = [s for s in per.values() if s.support]
    good = [(y, v) for y, v in zip(labels, verdicts, strict=True) if y in GOOD_CATEGORIES]
    harsh = [v.request_id for _, v in good if v.action in HARSH_ACTIONS]
    n = len(labels)
    return EvalResult(
        n=n,
        accuracy=sum(confusion[i][i] for i in range(len(CATEGORIES))) / n if n else 0.0,
        macro_f1=sum(s.f1 for s in present) / len(present) if present else 0.0,
        per_category=per,
        confusion=confusion,
        good_total=len(good),
        good_harsh=len(harsh),
        good_harsh_ids=harsh,
    )


def format_report(result: EvalResult, title: str = "") -> str:
    """A plain-text (and Markdown-friendly) report of one evaluation."""
    lines = []
    if title:
        lines += [f"### {title}", ""]
    lines.append(
        f"n = {result.n}, accuracy {result.accuracy:.3f}, **macro-F1 {result.macro_f1:.3f}**, "
        f"good requests sent to ignore/block_report: {result.good_harsh}/{result.good_total} "
        f"({100 * result.good_harsh_rate:.1f} %)"
    )
    lines += ["", "| category | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for c, s in result.per_category.items():
        lines.append(f"| {c.value} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |")
    short = ["known", "business", "recruit", "pitch", "romance", "collect", "scam"]
    lines += ["", "Confusion matrix (rows: true label, columns: predicted):", ""]
    lines.append("| true \\ predicted | " + " | ".join(short) + " |")
    lines.append("|---|" + "---:|" * len(short))
    for c, row in zip(CATEGORIES, result.confusion, strict=True):
        lines.append(f"| {c.value} | " + " | ".join(str(x) for x in row) + " |")
    if result.by_lang:
        lines += [
            "",
            "| language | n | macro-F1 | accuracy | good → ignore/block |",
            "|---|---:|---:|---:|---:|",
        ]
        for lang, sub in result.by_lang.items():
            lines.append(
                f"| {lang} | {sub.n} | {sub.macro_f1:.3f} | {sub.accuracy:.3f} | {sub.good_harsh}/{sub.good_total} |"
            )
    return "\n".join(lines) + "\n"
