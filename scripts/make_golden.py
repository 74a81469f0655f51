"""Write the golden verdicts that tests/test_screen_golden.py compares the screener against.

Usage: python scripts/make_golden.py [--out tests/golden/screen_verdicts.jsonl.gz]

Screens every record of data/train.jsonl, data/dev.jsonl and data/test.jsonl (in that order) with
the shipped model and default policy, then the same number of "crossed" requests (one record's
note and platform, another's sender, a third's recipient with known people added), because the
corpus rarely exercises the recipient-side signals (name used, same company, mutual named,
partnership) against notes that were not written for that recipient. One JSON line per verdict:
the screen contract's output object (`verdict_to_dict`), the policy rule and model that decided,
and the exact floats (confidence, class probabilities, signal weights) as `float.hex` strings.

The file pins the behaviour of the screening core so that performance work cannot change a single
output. Regenerate it only when the behaviour is *meant* to change: after `make model` (new
artefacts), `make corpus` (new records), or a deliberate change to a signal, the score or the
policy, and review the diff of the verdicts that moved.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import Any

from kontaktfilter.contract import parse_request, verdict_to_dict
from kontaktfilter.model import ContactRequest, Platform, RecipientContext, Verdict
from kontaktfilter.screener import Screener

ROOT = Path(__file__).resolve().parent.parent
SPLITS = ("train", "dev", "test")
DEFAULT_OUT = ROOT / "tests" / "golden" / "screen_verdicts.jsonl.gz"


def golden_record(verdict: Verdict) -> dict[str, Any]:
    """What the golden file keeps of one verdict (the test builds the same object to compare)."""
    return {
        "contract": verdict_to_dict(verdict),
        "policy_rule": verdict.policy_rule,
        "model": verdict.model,
        "exact": {
            "confidence": float(verdict.confidence).hex(),
            "probabilities": [float(p).hex() for p in verdict.probabilities.values()],
            "weights": [float(h.weight).hex() for h in verdict.signals],
        },
    }


def corpus_requests() -> list[ContactRequest]:
    """Every corpus record, split by split, in file order."""
    reqs = []
    for split in SPLITS:
        for line in (ROOT / "data" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                reqs.append(parse_request(json.loads(line)))
    return reqs


def crossed_requests(corpus: list[ContactRequest]) -> list[ContactRequest]:
    """Deterministic recombinations of corpus parts (fixed strides, no randomness)."""
    n = len(corpus)
    platforms = list(Platform)
    out = []
    for i, base in enumerate(corpus):
        sender = corpus[(i * 31 + 7) % n].sender
        rec = corpus[(i * 17 + 11) % n].recipient
        # Known people: a stranger's name, and every third time the sender's own name, so the
        # last-name check of mutual_named fires on notes that sign with the sender's name.
        known = [p for p in (corpus[(i * 13 + 5) % n].sender.name, sender.name if i % 3 == 0 else None) if p]
        recipient = RecipientContext(
            name=rec.name,
            headline=rec.headline,
            interests=rec.interests,
            partnership=(i % 4 == 0) if rec.partnership is None else not rec.partnership,
            known_people=tuple(known),
        )
        platform = platforms[i % len(platforms)] if i % 5 == 0 else base.platform
        out.append(
            ContactRequest(
                id=f"x-{i}",
                platform=platform,
                note=base.note,
                received_at=base.received_at,
                sender=sender,
                recipient=recipient,
            )
        )
    return out


def golden_requests() -> list[ContactRequest]:
    """The requests the golden file holds verdicts for, in order."""
    corpus = corpus_requests()
    return corpus + crossed_requests(corpus)


def screen_corpus(screener: Screener | None = None) -> list[Verdict]:
    """Verdicts for every golden request, in one batch."""
    screener = screener if screener is not None else Screener()
    return screener.screen_many(golden_requests())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(golden_record(v), ensure_ascii=False, sort_keys=True) for v in screen_corpus()]
    # mtime=0 keeps the compressed bytes reproducible, so an unchanged behaviour gives no diff.
    with gzip.GzipFile(args.out, "wb", mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"wrote {len(lines)} verdicts to {args.out}")


if __name__ == "__main__":
    main()
