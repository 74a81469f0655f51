"""Uploads into the importer: a size-limited upload becomes a file the importer checks and imports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import UploadFile

from ..sources.importer import Importer, ImportSummary, Progress
from ..sources.linkedin_export import ExportError
from .queries import maybe_learn

if TYPE_CHECKING:
    from .services import Services

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class UploadError(ValueError):
    """The importer refused the upload; the message names the file as the user called it."""


def upload_name(filename: str | None) -> str:
    """A harmless file name keeping the original's base name and extension (the importer reads both)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")[:120]
    return base or "upload"


async def save_upload(file: UploadFile, workdir: Path) -> Path:
    """Copy an upload (already size-limited by the body limit) into `workdir`, in chunks."""
    path = workdir / upload_name(file.filename)
    with path.open("wb") as out:
        while chunk := await file.read(1 << 20):
            out.write(chunk)
    await file.close()
    return path


def run_import(
    services: Services, path: Path, shown: str, progress: Progress | None = None
) -> tuple[ImportSummary, str | None]:
    """Import `path` with the importer's own checks, then retrain the personal layer if due."""
    screening = services.screening
    importer = Importer(
        services.store,
        screener=lambda: screening.screener,
        policy=screening.policy,
        batch_size=services.settings.import_batch_size,
        progress=progress,
        now=services.clock,
    )
    try:
        summary = importer.import_path(path)
    except ExportError as exc:
        # The temporary folder means nothing to the user; name the file as they uploaded it.
        message = str(exc).replace(str(path.parent) + "/", "").replace(str(path), path.name)
        raise UploadError(message) from None
    summary.source = upload_name(shown)
    # An import lets SQLite's write-ahead log grow to tens of MB (`Store.for_import`). The command
    # line closes the store afterwards, which empties it; the web app stays open, so it folds the
    # log into the file now rather than keep it on disk. Best effort: a reader holding an old
    # snapshot only makes it stop early. (Not in `for_import`: measured, it cost the command-line
    # import up to a second for nothing.)
    services.store.scrub()
    learned = None
    if summary.screened:
        with services.store.session() as s:
            learned = maybe_learn(s, services.settings, screening.policy, services.clock())
    return summary, learned


__all__ = ["UploadError", "run_import", "save_upload", "upload_name"]
