"""``arena play --web``: the play app served to a real browser (arena/tui/web.py)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from arena.cli import main
from arena.tui import make_config
from arena.tui.web import HOST, check_port, offline_templates, play_argv
from tests.arena.test_html_report import browser_or_skip

DUEL = ["liars_dice", "--players", "2", "--param", "dice=1", "--param", "mode=single_round"]
ANSI = re.compile(
    r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)
"""Terminal control sequences (stripped from the app's output to read its text)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def test_bad_web_options_are_one_line_exit_2(capsys, tmp_path):
    db = tmp_path / "l.db"
    for argv, message in [
        (["--port", "8000"], "--port goes with --web"),
        (["--web", "--port", "0"], "--port takes 1..65535"),
        (["--web", "--seat", "5"], "seat"),
    ]:
        code = main(["play", *DUEL, "--db", str(db), *argv])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and message in err, err
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["play", *DUEL, "--db", str(db), "--web", "--port", str(port)])
        err = capsys.readouterr().err
        assert code == 2 and "in use" in err
    assert not db.exists()


def test_each_session_plays_the_same_table(tmp_path):
    config = make_config(
        "liars_dice",
        players=2,
        params={"dice": "1"},
        opponents="random",
        seed=3,
        name="ann",
        db=str(tmp_path / "l.db"),
        delay=0.0,
    )
    argv = play_argv(config)
    from arena.cli import build_parser

    args = build_parser().parse_args(["play", *argv])
    again = make_config(
        args.game,
        players=args.players,
        params=dict(p.split("=", 1) for p in args.param),
        opponents=args.opponents,
        seat=args.seat,
        seed=args.seed,
        name=args.name,
        db=args.db,
        delay=args.delay,
    )
    assert again == config


def test_the_served_page_loads_nothing_from_elsewhere(tmp_path):
    page = (offline_templates(tmp_path) / "app_index.html").read_text()
    assert not re.search(r"<(link|script)\b[^>]*https?://", page)
    check_port(free_port())  # a free port passes


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[int, Path]]:
    """``arena play --web`` of a seeded duel against random, in its own process group."""
    browser_or_skip()  # no browser: no server either
    port = free_port()
    db = tmp_path / "ladder.db"
    log = (tmp_path / "server.log").open("w")
    argv = [*DUEL, "--opponents", "random", "--seed", "1", "--delay", "0", "--name", "tester"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "arena.cli",
            "play",
            *argv,
            "--db",
            str(db),
            "--web",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(600):  # until it listens (or has died)
            if proc.poll() is not None:
                break
            try:
                socket.create_connection((HOST, port), timeout=0.5).close()
                break
            except OSError:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(0.05)
        assert proc.poll() is None, (tmp_path / "server.log").read_text()
        yield port, tmp_path / "server.log"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()


def wait_for(page, condition: Callable[[], bool], what: str) -> None:
    """Let the page run until ``condition`` holds (at most 600 rounds of 100 ms)."""
    for _ in range(600):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the web app never showed {what}")


def test_web_play_shows_the_table_and_accepts_a_move(server):
    from playwright.sync_api import sync_playwright

    executable = browser_or_skip()
    port, _ = server
    frames: list[bytes] = []
    requests: list[str] = []

    def keep(data: bytes | str) -> None:
        if isinstance(data, bytes):  # the app's terminal output
            frames.append(data)

    def screen_text() -> str:
        return ANSI.sub("", b"".join(frames).decode("utf-8", "replace"))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 700})
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("websocket", lambda ws: ws.on("framereceived", keep))
            tab.goto(f"http://{HOST}:{port}/")
            wait_for(tab, lambda: "Your turn" in screen_text(), "the table")
            text = screen_text()
            assert "Liar's Dice" in text and "you are seat 0" in text and "Game log" in text
            tab.click("#terminal")
            tab.keyboard.press("b")  # bid the lowest legal bid
            wait_for(tab, lambda: "you bid 1-1" in screen_text(), "the move")
        finally:
            browser.close()
    assert all(url.startswith(f"http://{HOST}:{port}/") for url in requests), requests
