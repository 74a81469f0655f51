"""Helpers every command module shares: plain error lines, failing with an exit code, the store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from ..settings import Settings


def warn(message: str) -> None:
    """Write one plain line to stderr (no wrapping, no markup), so errors stay greppable."""
    print(message, file=sys.stderr, flush=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Report an error and return the Exit to raise."""
    warn(f"error: {message}")
    return typer.Exit(code)


@contextmanager
def opened_store(settings: Settings) -> Iterator[Any]:
    """The store named by the settings, closed afterwards; a bad URL fails with its message."""
    from ..store.engine import Store, StoreError

    try:
        store = Store.open(settings.database)
    except StoreError as exc:
        raise fail(str(exc)) from None
    try:
        yield store
    finally:
        store.close()
