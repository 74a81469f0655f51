"""Safe access to the files of an export, zipped, unpacked, or a single CSV file.

Every entry of an archive is checked before a single byte is decompressed: names that would escape
the folder (zip-slip), links, and sizes or expansion ratios only a zip bomb has are refused.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath


class ArchiveError(Exception):
    """The input cannot be read safely or is not what it claims to be; the message says why."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What an export may look like before it is refused as a zip bomb."""

    max_entries: int = 20_000
    max_file_bytes: int = 1 << 30
    max_total_bytes: int = 4 << 30
    # Text compresses 3-20x; bombs reach 1000x. Small files are exempt: a tiny blank CSV can
    # legitimately compress very well.
    max_ratio: float = 200.0
    ratio_floor: int = 1 << 20


@dataclass(frozen=True, slots=True)
class ExportFiles:
    """The chosen files: normalised name -> (name to show in messages, raw bytes), and a fingerprint."""

    files: dict[str, tuple[str, bytes]]
    fingerprint: str


def normalise_name(name: str) -> str:
    """A file name compared case-insensitively, ignoring spaces and underscores (`Connections .CSV`)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.lower().replace(" ", "").replace("_", "")


def _fingerprint(files: dict[str, tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for key in sorted(files):
        data = files[key][1]
        h.update(key.encode() + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    return h.hexdigest()


def _check_entry_name(name: str) -> None:
    if "\x00" in name:
        raise ArchiveError(f"archive entry {name!r} has a NUL byte in its name")
    unified = name.replace("\\", "/")
    win = PureWindowsPath(name)
    if unified.startswith("/") or win.drive or win.root:
        raise ArchiveError(f"archive entry {name!r} has an absolute path (zip-slip); refused")
    if ".." in PurePosixPath(unified).parts:
        raise ArchiveError(f"archive entry {name!r} escapes the export folder (zip-slip); refused")


def _pick(candidates: list[tuple[str, str]]) -> dict[str, str]:
    """For each wanted name the shallowest, then alphabetically first, matching path."""
    chosen: dict[str, str] = {}
    for key, path in sorted(candidates, key=lambda kp: (kp[1].count("/"), kp[1])):
        chosen.setdefault(key, path)
    return chosen


def _from_zip(path: Path, wanted: Collection[str], limits: Limits) -> dict[str, tuple[str, bytes]]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"not a readable zip archive ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise ArchiveError(f"archive has {len(infos)} entries (limit {limits.max_entries}); refused")
        total = compressed = 0
        for info in infos:
            _check_entry_name(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ArchiveError(f"archive entry {info.filename!r} is a symbolic link; refused")
            if info.is_dir():
                continue
            if info.file_size > limits.max_file_bytes:
                raise ArchiveError(
                    f"archive entry {info.filename!r} expands to {info.file_size} bytes "
                    f"(limit {limits.max_file_bytes}); refused as a zip bomb"
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
                raise ArchiveError(
                    f"archive entry {info.filename!r} expands {ratio:.0f}-fold "
                    f"(limit {limits.max_ratio:.0f}); refused as a zip bomb"
                )
            total += info.file_size
            compressed += info.compress_size
        if total > limits.max_total_bytes:
            raise ArchiveError(
                f"archive expands to {total} bytes (limit {limits.max_total_bytes}); refused as a zip bomb"
            )
        # Entries that share compressed data (overlapping-file bombs) claim more than the file holds.
        if compressed > path.stat().st_size:
            raise ArchiveError("archive entries overlap each other; refused as a zip bomb")
        by_name = {i.filename: i for i in infos if not i.is_dir()}
        picked = _pick([(normalise_name(n), n) for n in by_name if normalise_name(n) in wanted])
        out: dict[str, tuple[str, bytes]] = {}
        for key, name in picked.items():
            info = by_name[name]
            if info.flag_bits & 0x1:
                raise ArchiveError(f"archive entry {name!r} is encrypted")
            try:
                with zf.open(info) as fh:
                    data = fh.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                raise ArchiveError(f"archive entry {name!r} cannot be read ({exc})") from None
            if len(data) != info.file_size:
                raise ArchiveError(f"archive entry {name!r} is not the size its header declares; refused")
            out[key] = (name, data)
        return out


def _read_file(path: Path, shown: str, limits: Limits) -> bytes:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ArchiveError(f"{shown} has {size} bytes (limit {limits.max_file_bytes}); refused")
    return path.read_bytes()


def _from_folder(root: Path, wanted: Collection[str], limits: Limits) -> dict[str, tuple[str, bytes]]:
    real_root = root.resolve()
    candidates: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        # Exports are flat or one folder deep; do not wander through a whole home directory.
        if len(rel_dir.parts) >= 2:
            dirnames.clear()
        for fn in filenames:
            if normalise_name(fn) in wanted:
                candidates.append((normalise_name(fn), (rel_dir / fn).as_posix()))
    out: dict[str, tuple[str, bytes]] = {}
    for key, rel in _pick(candidates).items():
        full = root / rel
        if not full.resolve().is_relative_to(real_root):
            raise ArchiveError(f"{rel} links outside the export folder; refused")
        out[key] = (rel, _read_file(full, rel, limits))
    return out


def load_export_files(path: Path, wanted: Collection[str], limits: Limits | None = None) -> ExportFiles:
    """Read the wanted files (by normalised name) from a zip, a folder, or a single matching file."""
    limits = limits or Limits()
    if path.is_dir():
        files = _from_folder(path, wanted, limits)
    elif not path.exists():
        raise ArchiveError("no such file or folder")
    elif zipfile.is_zipfile(path):
        files = _from_zip(path, wanted, limits)
    elif normalise_name(path.name) in wanted:
        files = {normalise_name(path.name): (path.name, _read_file(path, path.name, limits))}
    else:
        raise ArchiveError("not a zip archive, a folder, or one of the export's CSV files")
    return ExportFiles(files, _fingerprint(files))


def file_fingerprint(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
