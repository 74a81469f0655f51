"""The screen contract: parsing, errors that name line and field, output shape."""

from __future__ import annotations

import io

import pytest

from kontaktfilter.contract import ContractError, parse_request, read_jsonl
from kontaktfilter.model import Platform


def test_full_request_parses() -> None:
    req = parse_request(
        {
            "id": "r1",
            "platform": "XING",
            "note": "Hallo",
            "received_at": "2026-01-29T14:37:00Z",
            "sender": {"name": "A", "mutual_contacts": 3, "connections_visible": False, "has_photo": True},
            "recipient": {"name": "B", "interests": ["Lernkultur"], "partnership": True},
            "unknown_field": {"ignored": True},
        }
    )
    assert req.platform is Platform.XING
    assert req.received_at is not None and req.received_at.utcoffset() is not None
    assert req.sender.mutual_contacts == 3 and req.sender.connections_visible is False
    assert req.recipient.interests == ("Lernkultur",) and req.recipient.partnership is True


def test_minimal_request_defaults() -> None:
    req = parse_request({"id": "x"})
    assert req.note is None and req.platform is Platform.OTHER and req.sender.name is None


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"id": "x", "note": 5}, "note"),
        ({"id": "x", "platform": "myspace"}, "platform"),
        ({"id": "x", "sender": {"mutual_contacts": "many"}}, "sender.mutual_contacts"),
        ({"id": "x", "sender": {"mutual_contacts": True}}, "sender.mutual_contacts"),
        ({"id": "x", "sender": {"has_photo": "yes"}}, "sender.has_photo"),
        ({"id": "x", "sender": {"connections_count": -4}}, "sender.connections_count"),
        ({"id": "x", "sender": "Anna"}, "sender"),
        ({"id": "x", "recipient": {"interests": [1, 2]}}, "recipient.interests"),
        ({"id": "x", "received_at": "yesterday"}, "received_at"),
        ({"id": ""}, "id"),
    ],
)
def test_wrong_types_name_the_field(obj: dict[str, object], field: str) -> None:
    with pytest.raises(ContractError) as info:
        parse_request(obj)
    assert info.value.field == field


def test_read_jsonl_reports_line_and_field_and_keeps_going() -> None:
    text = '{"id": "a", "note": "hi"}\nnot json\n\n{"id": "c", "sender": {"has_photo": 1}}\n{"id": "d"}\n'
    lines = list(read_jsonl(io.StringIO(text), "in.jsonl"))
    assert [ln.number for ln in lines] == [1, 2, 4, 5]
    assert lines[0].request is not None and lines[3].request is not None
    assert lines[1].error is not None and lines[1].error.describe().startswith("in.jsonl:2: not valid JSON")
    assert lines[2].error is not None
    assert lines[2].error.describe() == "in.jsonl:4: sender.has_photo: expected true, false or null, got int"


def test_non_object_line_is_an_error() -> None:
    (line,) = read_jsonl(io.StringIO("[1, 2]\n"), "f")
    assert line.error is not None and "expected a JSON object" in line.error.describe()
