"""Files that hold athletes' data or secrets (exports, reject files, the cache's key): readable by their owner only.

Names, birth years and scores are personal data; a backup or a reject file left world-readable in a shared
folder gives them to every user of the machine. Files are created 0600 and folders 0700 from the start
(os.open with the mode, not a chmod afterwards, so there is no moment when they are open to others).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def open_private(path: Path | str, mode: str = "w", **options) -> IO:
    """open(path, mode) for writing ("w", "wb"), the file created (or truncated and set) owner-only."""
    path = Path(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.chmod(path, FILE_MODE)  # a file that existed keeps its old mode through os.open
    return os.fdopen(descriptor, mode, **options)


def write_private(path: Path | str, data: bytes | str) -> None:
    """The whole file at once, owner-only."""
    binary = isinstance(data, bytes)
    with open_private(path, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as out:
        out.write(data)


def private_folder(path: Path | str) -> Path:
    """The folder (and its missing parents), the folder itself owner-only."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(path, FOLDER_MODE)
    return path
