"""Writing files so that a crash never leaves half of one where a reader looks.

A file is written under a temporary name in the same folder (``.tmp-*``, which no reader
of the data folder picks up), flushed to disk with ``fsync`` and then moved into place with
``os.replace`` (atomic on POSIX and Windows), so the name holds the old file or the new one,
never a part of either. :func:`publish_new` instead claims a name that must not exist yet,
for numbered files (``v3.yaml``) that two processes may be saving at the same moment.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".tmp-"


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def temp_beside(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """A temporary file in ``path``'s folder, synced to disk on leaving; removed if anything fails.

    The caller moves it into place (or not) before the block ends; whatever is left is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX, suffix=path.suffix)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh, tmp
    finally:
        tmp.unlink(missing_ok=True)


def _synced(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())


def write_atomically(path: str | Path, data: bytes | str | Callable[[BinaryIO], object]) -> Path:
    """Replace ``path`` with new content in one step; a crash leaves the old file or the new one.

    ``data`` is bytes, text (written as UTF-8) or a function that writes into a binary file
    (``lambda fh: joblib.dump(obj, fh)``).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_atomically(p, "one") and write_atomically(p, "two") and p.read_text()
    'two'
    """
    path = Path(path)
    with temp_beside(path) as (fh, tmp):
        _write(fh, data)
        _synced(fh)
        os.replace(tmp, path)
    _fsync_dir(path.parent)
    return path


def publish_new(path: str | Path, data: bytes | str) -> bool:
    """Write ``path`` complete in one step only if no file has that name yet; False if one has.

    Two processes publishing the same name at the same moment: exactly one gets True. The
    file is written and synced under a temporary name first, then hard-linked to ``path``
    (which fails if the name exists), so a reader never sees it half-written.
    """
    path = Path(path)
    with temp_beside(path) as (fh, tmp):
        _write(fh, data)
        _synced(fh)
        fh.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: claim the name, then fill it in one step
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return False
            os.replace(tmp, path)
    _fsync_dir(path.parent)
    return True


def _write(fh: BinaryIO, data: bytes | str | Callable[[BinaryIO], object]) -> None:
    if isinstance(data, str):
        fh.write(data.encode("utf-8"))
    elif isinstance(data, bytes):
        fh.write(data)
    else:
        data(fh)
