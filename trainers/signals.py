"""Stopping a run cleanly: Ctrl-C and SIGTERM ask for a checkpoint, a second Ctrl-C aborts.

The first SIGINT or SIGTERM only records the request; the training loop finishes the update
in progress, writes a checkpoint and returns (so a run stopped before its first periodic
checkpoint can still be resumed). A second signal raises :class:`KeyboardInterrupt` at once.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """A context in which SIGINT and SIGTERM are recorded in :attr:`received`.

    Handlers can only be installed from the main thread; elsewhere (or with ``enabled``
    false) the context changes nothing and :attr:`received` stays None.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.received: int | None = None
        """The first signal received (its number), or None."""
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if self.enabled:
            for sig in STOP_SIGNALS:
                self._previous[sig] = signal.signal(sig, self.handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler: record the first signal, abort on the second."""
        if self.received is not None:
            raise KeyboardInterrupt
        self.received = signum
        name = signal.Signals(signum).name
        print(
            f"\n{name}: stopping after this update to write a checkpoint (Ctrl-C again to abort)",
            file=sys.stderr,
            flush=True,
        )

    @property
    def name(self) -> str | None:
        """The first signal's name (``SIGINT``, ``SIGTERM``), or None."""
        return None if self.received is None else signal.Signals(self.received).name
