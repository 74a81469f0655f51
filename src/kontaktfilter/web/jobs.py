"""Imports started from the web page run in a background thread and report their progress here.

One import runs at a time (the importer's checkpoints assume a single writer per input); the page
polls the job's state until it is done.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..sources.importer import ImportSummary

JobState = Literal["queued", "running", "done", "failed"]


@dataclass
class ImportJob:
    """One import: its state, the current phase and row counts, and the summary or the error."""

    id: str
    filename: str
    state: JobState = "queued"
    phase: str = ""
    total: int = 0
    done: int = 0
    summary: ImportSummary | None = None
    error: str | None = None
    learned: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # The importer's Progress protocol.
    def phase_started(self, label: str, total: int, done: int) -> None:
        """A new file is being imported."""
        with self._lock:
            self.phase, self.total, self.done = label, total, done

    def advance(self, rows: int) -> None:
        """More rows are committed."""
        with self._lock:
            self.done += rows


class _Progress:
    """Adapts a job to the importer's `Progress` protocol."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job

    def phase(self, label: str, total: int, done: int) -> None:
        self.job.phase_started(label, total, done)

    def advance(self, rows: int) -> None:
        self.job.advance(rows)


Runner = Callable[[Path, "_Progress"], tuple[ImportSummary, str | None]]


class ImportJobs:
    """The jobs of this process (kept for the last few imports) and the single-import lock."""

    def __init__(self, keep: int = 20) -> None:
        self.jobs: dict[str, ImportJob] = {}
        self.keep = keep
        self._busy = threading.Lock()
        self._lock = threading.Lock()

    def busy(self) -> bool:
        """Whether an import is running."""
        return self._busy.locked()

    def get(self, job_id: str) -> ImportJob | None:
        """A job by id."""
        with self._lock:
            return self.jobs.get(job_id)

    def start(
        self, filename: str, path: Path, workdir: Path, run: Runner, *, wait: bool = False
    ) -> ImportJob | None:
        """Run `run(path, progress)` in a thread (or inline with `wait`); None when another import runs.

        `workdir` (the upload's temporary folder) is removed when the job ends.
        """
        if not self._busy.acquire(blocking=False):
            shutil.rmtree(workdir, ignore_errors=True)
            return None
        job = ImportJob(secrets.token_urlsafe(9), filename)
        with self._lock:
            self.jobs[job.id] = job
            for old in list(self.jobs)[: max(0, len(self.jobs) - self.keep)]:
                del self.jobs[old]

        def work() -> None:
            try:
                job.state = "running"
                summary, learned = run(path, _Progress(job))
                job.summary, job.learned = summary, learned
                job.state = "done"
            except Exception as exc:
                job.error = str(exc)
                job.state = "failed"
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
                self._busy.release()

        if wait:
            work()
        else:
            threading.Thread(target=work, name=f"import-{job.id}", daemon=True).start()
        return job


__all__ = ["ImportJob", "ImportJobs", "JobState"]
