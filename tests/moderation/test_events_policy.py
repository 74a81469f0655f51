"""The event contract and the policy file: clear errors that name the line and the field or key."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontaktfilter.moderation.events import (
    EventError,
    format_timestamp,
    parse_chunk,
    parse_event,
    parse_line,
    parse_timestamp,
    read_events,
)
from kontaktfilter.moderation.policy import DAY_US, Policy, PolicyError, default_policy_text, load_policy

GOOD = {
    "id": "e1",
    "type": "invitation_ignored",
    "sender": "s",
    "recipient": "r",
    "at": "2025-03-01T12:00:00Z",
}


def test_parses_a_canonical_event() -> None:
    event = parse_line(json.dumps(GOOD))
    assert (event.id, event.type, event.sender, event.recipient) == ("e1", "invitation_ignored", "s", "r")
    assert format_timestamp(event.at) == "2025-03-01T12:00:00Z"


def test_offsets_are_converted_to_utc() -> None:
    assert parse_timestamp("2025-03-01T13:30:00+01:30") == parse_timestamp("2025-03-01T12:00:00Z")
    assert (
        format_timestamp(parse_timestamp("2025-03-01T12:00:00.250000+00:00")) == "2025-03-01T12:00:00.250000Z"
    )


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"type": "invitation_liked"}, "type", "unknown event type 'invitation_liked'"),
        ({"at": "2025-03-01T12:00:00"}, "at", "without a UTC offset"),
        ({"at": "yesterday"}, "at", "not an ISO 8601"),
        ({"sender": ""}, "sender", "empty"),
        ({"sender": "   "}, "sender", "empty"),
        ({"recipient": 7}, "recipient", "expected a string, got int"),
        ({"id": None}, "id", "missing"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_events_name_the_field(change: dict[str, object], field: str, fragment: str) -> None:
    with pytest.raises(EventError) as caught:
        parse_line(json.dumps({**GOOD, **change}))
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_read_events_reports_line_numbers_and_skips_blank_lines() -> None:
    lines = [json.dumps(GOOD), "", "{not json", json.dumps({**GOOD, "id": "e2", "type": "x"})]
    out = list(read_events(lines, "events.jsonl"))
    assert out[0][0] == 1
    bad = [o for o in out if not isinstance(o[1], tuple)]
    assert [b.error.describe().split(": ")[0] for b in out[1:]] == ["events.jsonl:3", "events.jsonl:4"]
    assert "invalid JSON" in out[1].error.describe()
    assert "type" in out[2].error.describe()
    assert bad


_text = st.text(min_size=0, max_size=8)


@given(
    st.fixed_dictionaries(
        {
            "id": _text,
            "type": st.sampled_from(["invitation_sent", "invitation_ignored", "bogus"]),
            "sender": _text,
            "recipient": _text,
            "at": st.sampled_from(
                ["2025-01-01T00:00:00Z", "2025-01-01T00:00:00", "2025-13-01T00:00:00Z", " x"]
            ),
        }
    ),
    st.sampled_from([None, 0, 2]),
)
def test_fast_path_agrees_with_the_full_validator(obj: dict[str, str], indent: int | None) -> None:
    """The regex fast path must accept exactly what json.loads + parse_event accept, with equal results."""
    line = json.dumps(obj, indent=indent, ensure_ascii=False)
    try:
        expected = parse_event(json.loads(line))
    except EventError as exc:
        with pytest.raises(EventError) as caught:
            parse_line(line)
        assert caught.value.field == exc.field
    else:
        assert parse_line(line) == expected


def test_shipped_policy_file_is_the_default_policy(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(default_policy_text())
    assert load_policy(path) == Policy()
    assert load_policy(None) == Policy()


def test_policy_values_are_converted_exactly(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[sanctions]\nthreshold = 5\nwindow_days = 0.5\n[rate_limit]\ninvitations = 3\n")
    policy = load_policy(path)
    assert (policy.threshold, policy.window_us, policy.invitation_limit) == (5, DAY_US // 2, 3)
    assert policy.suspension_us == 30 * DAY_US


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[sanctions]\nthreshold = 0\n", "sanctions.threshold"),
        ("[sanctions]\nthreshhold = 5\n", "sanctions.threshhold"),
        ("[rate_limit]\nwindow_days = -1\n", "rate_limit.window_days"),
        ("[sanctions]\ncounted_types = ['invitation_liked']\n", "sanctions.counted_types"),
        ("[bans]\n", "bans"),
        ("threshold = = 5", "invalid TOML"),
    ],
)
def test_policy_errors_name_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(path) in str(caught.value)
    assert fragment in str(caught.value)


_timestamps = st.one_of(
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
        st.integers(0, 2100),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 24),
        st.integers(0, 60),
        st.integers(0, 60),
        st.sampled_from(["", ".5", ".123456", ".1234567"]),
        st.sampled_from(["Z", "+00:00", "+01:30", ""]),
    ),
    st.sampled_from(["2025-01-01T00:00:00Z", "2024-02-29T23:59:59.999999Z", "0001-01-01T00:00:00Z"]),
)


@given(
    st.lists(
        st.tuples(
            st.fixed_dictionaries(
                {
                    "id": _text,
                    "type": st.sampled_from(["invitation_sent", "invitation_reported", "bogus"]),
                    "sender": _text,
                    "recipient": _text,
                    "at": _timestamps,
                }
            ),
            st.sampled_from([(", ", ": "), (",", ":"), (", ", ":")]),
            st.sampled_from(["\n", "\r\n"]),
        ),
        max_size=6,
    )
)
def test_bulk_parse_agrees_with_the_per_line_path(
    rows: list[tuple[dict[str, str], tuple[str, str], str]],
) -> None:
    """The block parser either declines the chunk or returns exactly what parse_line gives for each
    line; it declines only when a line is invalid or not in the form it handles."""
    lines = [json.dumps(obj, separators=seps, ensure_ascii=False) + end for obj, seps, end in rows]
    expected: list[tuple[int, str, str, str, str]] = []
    for line in lines:
        with contextlib.suppress(EventError):
            expected.append(parse_line(line))
    got = parse_chunk(lines)
    if got is not None:
        assert got == expected and len(got) == len(lines)
    elif len(expected) == len(lines):
        # Every line is valid, so the decline must be down to a form the bulk path leaves to parse_line.
        assert any(
            list(obj) != ["id", "type", "sender", "recipient", "at"]
            or not obj["at"].endswith(("Z", "+00:00"))
            or ("." in obj["at"] and len(obj["at"].split(".")[1].rstrip("Z+:0")) > 6)
            or any(not re.fullmatch(r'[^\s"\\\x00-\x1f][^"\\\x00-\x1f]{0,511}', obj[k]) for k in obj)
            for obj, _, _ in rows
        )


def test_bulk_parse_takes_canonical_lines() -> None:
    lines = [json.dumps({**GOOD, "id": f"e{i}"}) + "\n" for i in range(3)]
    got = parse_chunk(lines)
    assert got == [tuple(parse_line(line)) for line in lines]
    assert parse_chunk([*lines, "\n"]) is None  # a blank line: the per-line path skips it
