"""``arena play --web``: the play app served to a browser by textual-serve.

Each browser tab that opens the page gets its own ``arena play`` process (the same command line,
without ``--web``), driven over a websocket; games are recorded in the ladder as in the
terminal. The server binds 127.0.0.1 only, so only this machine can reach it. textual-serve's
page asks a font service for a web font; the page served here is the same without that
request, so the game plays offline.
"""

from __future__ import annotations

import errno
import re
import shlex
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from arena.tui.config import PlayConfig

HOST = "127.0.0.1"
"""Where the server listens: this machine only."""

DEFAULT_PORT = 8000
"""The port of ``arena play --web`` without ``--port``."""


def check_port(port: int, host: str = HOST) -> None:
    """Refuse a port out of range or already in use (before anything starts).

    Raises:
        ValueError: saying which, and what to do.
    """
    if not 1 <= port <= 65535:
        raise ValueError(f"--port takes 1..65535, got {port}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc})"
            raise ValueError(f"port {port} on {host} {why}: choose another with --port") from None


def play_argv(config: PlayConfig) -> list[str]:
    """The ``arena play`` arguments that play ``config`` (every choice spelled out)."""
    argv = [config.game, "--seat", str(config.seat), "--name", config.name]
    argv += [f"--param={key}={value}" for key, value in config.params.items()]
    argv += ["--opponents", ",".join(config.opponents), "--delay", repr(config.delay)]
    if config.seed is not None:
        argv += ["--seed", str(config.seed)]
    if config.db is not None:
        argv += ["--db", str(Path(config.db).absolute())]
    return argv


def play_command(argv: Sequence[str]) -> str:
    """The shell command each browser session runs: ``arena play ARGV`` with this Python."""
    return shlex.join([sys.executable, "-m", "arena.cli", "play", *argv])


def offline_templates(directory: Path) -> Path:
    """textual-serve's page template without its web-font request, written to ``directory``."""
    import textual_serve

    source = Path(textual_serve.__file__).parent / "templates" / "app_index.html"
    text = re.sub(r"<link\b[^>]*https?://[^>]*>", "", source.read_text(encoding="utf-8"))
    (directory / "app_index.html").write_text(text, encoding="utf-8")
    return directory


def serve_play(config: PlayConfig, port: int) -> int:
    """Serve ``arena play`` of ``config`` on http://127.0.0.1:PORT until Ctrl-C; exit status 0."""
    from textual_serve.server import Server

    with tempfile.TemporaryDirectory(prefix="arena-web-") as tmp:
        templates = offline_templates(Path(tmp))
        server = Server(
            play_command(play_argv(config)),
            host=HOST,
            port=port,
            title=f"arena play {config.game}",
            templates_path=templates,
        )
        print(f"arena: open http://{HOST}:{port} in a browser (Ctrl-C stops)", file=sys.stderr)
        server.serve()
    return 0
