"""Build data/{train,dev,test}.jsonl from the writers' slices in data/raw/ (deterministic).

Splits are by writer: the test split is whole slices by writers whose text the model never sees, so
its numbers estimate quality on requests by other authors. Near-duplicates of training notes are
dropped from dev and test, so no phrasing straddles the splits.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
TEST_WRITERS = ("w3", "w10")
DEV_WRITERS = ("w5",)
NEAR_DUP_JACCARD = 0.6


def shingles(text: str, n: int = 5) -> frozenset[str]:
    """Character n-grams of the normalised note, for near-duplicate detection."""
    t = re.sub(r"\s+", " ", re.sub(r"[^\w ]", "", text.lower())).strip()
    return frozenset(t[i : i + n] for i in range(max(1, len(t) - n + 1)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Set overlap."""
    return len(a & b) / len(a | b) if a and b else 0.0


def load_raw() -> list[dict[str, object]]:
    """All records of all slices, in file order."""
    records: list[dict[str, object]] = []
    for path in sorted(RAW.glob("w*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    sys.exit(f"{path}:{n}: invalid JSON: {exc}")
    return records


def main() -> None:
    records = load_raw()
    train = [r for r in records if r["writer"] not in TEST_WRITERS + DEV_WRITERS]
    held = {"dev": [r for r in records if r["writer"] in DEV_WRITERS],
            "test": [r for r in records if r["writer"] in TEST_WRITERS]}  # fmt: skip
    train_sh = [shingles(str(r["note"])) for r in train if r.get("note") and len(str(r["note"])) >= 25]
    dropped: Counter[str] = Counter()
    for name, rows in held.items():
        kept = []
        for r in rows:
            note = r.get("note")
            if note and len(str(note)) >= 25:
                sh = shingles(str(note))
                if any(jaccard(sh, t) >= NEAR_DUP_JACCARD for t in train_sh):
                    dropped[name] += 1
                    continue
            kept.append(r)
        held[name] = kept
    splits = {"train": train, **held}
    summary: dict[str, object] = {"test_writers": TEST_WRITERS, "dev_writers": DEV_WRITERS,
                                  "near_duplicates_dropped": dict(dropped)}  # fmt: skip
    for name, rows in splits.items():
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
        (ROOT / "data" / f"{name}.jsonl").write_text(text, encoding="utf-8")
        summary[name] = {
            "records": len(rows),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "labels": dict(sorted(Counter(str(r["label"]) for r in rows).items())),
            "langs": dict(sorted(Counter(str(r["lang"]) for r in rows).items())),
            "no_note": sum(1 for r in rows if not r.get("note")),
        }
    (ROOT / "data" / "splits.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
