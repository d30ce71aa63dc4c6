"""Where the arena keeps its logs, and the crash log written for an internal error.

The directory is ``$ARENA_LOG_DIR``, else ``$XDG_STATE_HOME/bluff-arena/logs``, else
``~/.local/state/bluff-arena/logs`` (the XDG base-directory rules: a relative
``$XDG_STATE_HOME`` is ignored).
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path


def logs_dir() -> Path:
    """The directory of the arena's logs (not created here)."""
    if os.environ.get("ARENA_LOG_DIR"):
        return Path(os.environ["ARENA_LOG_DIR"]).expanduser()
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "bluff-arena" / "logs"


def crash_report(exc: BaseException) -> str:
    """The text of a crash log: the command line, versions, and the full traceback."""
    header = [
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"command: {' '.join(sys.argv)}",
        f"python: {platform.python_version()} on {platform.platform()}",
        "",
    ]
    return "\n".join(header) + "".join(traceback.format_exception(exc))


def write_crash_log(exc: BaseException) -> Path:
    """Write the traceback of ``exc`` to ``arena-YYYYmmdd-HHMMSS-PID.log`` and return its path.

    The file goes to :func:`logs_dir`, or to the temporary directory when that cannot be
    written. A name already taken gets a ``-1``, ``-2``... suffix; nothing is overwritten.

    Raises:
        OSError: when neither directory can be written.
    """
    text = crash_report(exc)
    stem = f"arena-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    error: OSError | None = None
    for directory in (logs_dir(), Path(tempfile.gettempdir())):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            return _write_new(directory, stem, text)
        except OSError as exc_write:
            error = exc_write
    assert error is not None
    raise error


def _write_new(directory: Path, stem: str, text: str) -> Path:
    for n in range(1000):
        path = directory / (stem + (f"-{n}" if n else "") + ".log")
        try:
            with open(path, "x", encoding="utf-8") as f:
                f.write(text)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"too many crash logs named {stem}* in {directory}")
