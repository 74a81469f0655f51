"""Bulk inserts for imports: one INSERT compiled per table, columns and dialect, its rows converted to
the driver's values a column at a time and sent in one executemany.

`connection.execute(insert(table), rows)` builds and converts every row's parameters one value at a
time; for the import's 300,000 rows that bookkeeping costs more than SQLite's own inserts. `BulkInsert`
runs the very same SQL with the very same bind processors (so both backends store exactly what Core would
store), looping over columns instead of values, and converts a value that every row shares (the import's
timestamps) once per batch instead of once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    keys: tuple[str, ...]  # in the order the driver takes them (positional) or by name
    positional: bool
    processors: tuple[Callable[[Any], Any] | None, ...]


class BulkInsert:
    """`INSERT INTO table` of every column but `skip` (a generated id) for many rows at once; each row is
    a mapping with (at least) those keys, and a missing one is an error rather than a default."""

    def __init__(self, table: Table, *, skip: Sequence[str] = ()) -> None:
        self.table = table
        self.columns = tuple(c.key for c in table.columns if c.key not in skip)
        self._compiled: dict[Dialect, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        done = self._compiled.get(dialect)
        if done is None:
            compiled = insert(self.table).compile(dialect=dialect, column_keys=list(self.columns))
            assert set(compiled.binds) == set(self.columns), "a column whose parameter name differs"
            keys = tuple(compiled.positiontup or ()) if compiled.positional else self.columns
            processors = tuple(
                self.table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys
            )
            done = self._compiled[dialect] = _Compiled(compiled.string, keys, compiled.positional, processors)
        return done

    def execute(
        self,
        connection: Connection,
        rows: Sequence[Mapping[str, Any]],
        shared: Mapping[str, Any] | None = None,
    ) -> None:
        """Insert `rows`; `shared` holds values every row has (not repeated in `rows`)."""
        if not rows:
            return
        c = self._compile(connection.dialect)
        shared = shared or {}
        n = len(rows)
        columns: list[Sequence[Any]] = []
        for key, process in zip(c.keys, c.processors, strict=True):
            if key in shared:
                value = shared[key]
                columns.append([process(value) if process is not None else value] * n)
                continue
            values = [row[key] for row in rows]
            columns.append(values if process is None else [process(v) for v in values])
        if c.positional:
            params: list[Any] = list(zip(*columns, strict=True))
        else:
            params = [dict(zip(c.keys, values, strict=True)) for values in zip(*columns, strict=True)]
        connection.exec_driver_sql(c.sql, params)


__all__ = ["BulkInsert"]
