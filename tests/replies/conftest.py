"""Shared fixtures: one screener and one coach for the whole package (loading the models once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontaktfilter.coach import Coach
from kontaktfilter.screener import Screener

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def screener() -> Screener:
    return Screener()


@pytest.fixture(scope="session")
def coach(screener: Screener) -> Coach:
    return Coach(screener)


@pytest.fixture()
def export_dir() -> Path:
    return FIXTURES / "linkedin-export"
