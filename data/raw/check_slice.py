"""Check one corpus slice against the record format of data/GUIDE.md (used by the slice writers)."""

import json
import sys
from collections import Counter

LABELS = {"personal_known", "relevant_business", "recruiter", "sales_pitch",
          "romantic_private", "collector_generic", "scam"}
PLATFORMS = {"linkedin", "xing", "mastodon", "email", "other"}
HARD = {None, "pitch_as_praise", "recruiter_sounds_sales", "short_du_acquaintance",
        "business_names_product", "romance_as_mentoring", "scam_as_job", "scam_as_investment",
        "collector_uses_name", "other_hard"}

path = sys.argv[1]
labels: Counter[str] = Counter()
langs: Counter[str] = Counter()
hard: Counter[str] = Counter()
ids = set()
nonote = 0
errors = 0
for n, line in enumerate(open(path, encoding="utf-8"), 1):
    if not line.strip():
        continue
    try:
        r = json.loads(line)
    except json.JSONDecodeError as e:
        print(f"{path}:{n}: invalid JSON: {e}")
        errors += 1
        continue
    problems = []
    if r.get("id") in ids:
        problems.append("duplicate id")
    ids.add(r.get("id"))
    if r.get("label") not in LABELS:
        problems.append(f"label {r.get('label')!r}")
    if r.get("platform") not in PLATFORMS:
        problems.append(f"platform {r.get('platform')!r}")
    if r.get("lang") not in ("de", "en"):
        problems.append(f"lang {r.get('lang')!r}")
    if r.get("hard_case") not in HARD:
        problems.append(f"hard_case {r.get('hard_case')!r}")
    if not (r.get("note") is None or isinstance(r.get("note"), str)):
        problems.append("note must be string or null")
    if not isinstance(r.get("sender"), dict):
        problems.append("sender missing")
    else:
        for k in ("mutual_contacts", "connections_count", "account_age_days"):
            if k in r["sender"] and r["sender"][k] is not None and not isinstance(r["sender"][k], int):
                problems.append(f"sender.{k} must be int")
    if problems:
        errors += 1
        print(f"{path}:{n}: " + "; ".join(problems))
    labels[r.get("label")] += 1
    langs[r.get("lang")] += 1
    hard[r.get("hard_case")] += 1
    nonote += r.get("note") is None
print("records:", sum(labels.values()), "errors:", errors, "no note:", nonote)
print("labels:", dict(labels))
print("langs:", dict(langs))
print("hard cases:", dict(hard))
