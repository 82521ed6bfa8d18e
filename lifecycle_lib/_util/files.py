"""Writing files whole: a reader sees the old content or the new one, never a partial file.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "page.html"
>>> write_text_atomic(path, "<p>done</p>") == path, path.read_text()
(True, '<p>done</p>')
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

__all__ = ["write_text_atomic"]


def write_text_atomic(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename it.

    A failure (a full disk, an interrupt) leaves ``path`` as it was and no temporary file behind.

    Parameters
    ----------
    path : str or Path
        The file to write; its folder must exist.
    text : str
        The whole new content.
    encoding : str
        The text encoding (default UTF-8).

    Returns
    -------
    Path
        ``path``.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_text_atomic(folder / "a.txt", "one")
    >>> _ = write_text_atomic(folder / "a.txt", "two")
    >>> sorted(p.name for p in folder.iterdir()), (folder / "a.txt").read_text()
    (['a.txt'], 'two')
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        # opened like any new file, so it gets the usual permissions (mkstemp's would be 0600)
        with open(tmp, "x", encoding=encoding, newline="") as fh:
            fh.write(text)
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
