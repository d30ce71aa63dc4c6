"""Make the screenshots of the README: the HTML report, a replay and ``arena play --web``.

Runs a small seeded tournament in a temporary ladder, writes its HTML report and takes a
screenshot of it in the system chromium (Playwright), then serves ``arena play --web`` and takes
one after a move. Needs the dev extra (playwright) and Debian's ``chromium``::

    python scripts/docs_screenshots.py
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DUEL = ["liars_dice", "--param", "dice=1", "--param", "mode=single_round"]


def arena(*argv: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "arena.cli", *argv], cwd=ROOT, **kwargs)


def report_shot(browser, tmp: Path) -> None:
    db = str(tmp / "ladder.db")
    agents = "random,heuristic,cfr,zoo:liars-dice-duel"
    tour = ["tournament", *DUEL, "--agents", agents, "--games-per-pairing", "25", "--seed", "1"]
    quiet = {"stdout": subprocess.DEVNULL}
    assert arena(*tour, "--name", "duel", "--db", db, "--json", **quiet).wait() == 0
    page_path = tmp / "report.html"
    assert arena("report", "--db", db, "--html", str(page_path), **quiet).wait() == 0
    tab = browser.new_page(viewport={"width": 900, "height": 900})
    tab.goto(page_path.as_uri())
    tab.select_option("#game", "3")
    for _ in range(3):
        tab.click("#next")
    tab.screenshot(path=ROOT / "docs" / "report.png", full_page=True)


def replay_shot(tmp: Path) -> None:
    """The replay app on game duel:3 of the report's ladder, seen by seat 1 (an SVG)."""
    import asyncio

    from arena.ladder import Ladder
    from arena.records import agent_identities, find_game
    from arena.tui.replay import ReplayApp

    with Ladder(tmp / "ladder.db", readonly=True) as ladder:
        row, identities = find_game(ladder, "duel:3"), agent_identities(ladder)

    async def shoot() -> None:
        app = ReplayApp(row, identities, seat=1)
        async with app.run_test(size=(100, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.press("right", "right", "right")
            app.save_screenshot("replay.svg", str(ROOT / "docs"))

    asyncio.run(shoot())


def web_shot(browser, tmp: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [
        "play",
        *DUEL,
        "--players",
        "2",
        "--opponents",
        "zoo:liars-dice-duel",
        "--seed",
        "4",
        "--delay",
        "0",
    ]
    server = arena(
        *argv,
        "--name",
        "you",
        "--db",
        str(tmp / "play.db"),
        "--web",
        "--port",
        str(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(0.1)
        tab = browser.new_page(viewport={"width": 1000, "height": 620})
        tab.goto(f"http://127.0.0.1:{port}/")
        tab.wait_for_timeout(4000)
        tab.click("#terminal")
        tab.keyboard.press("b")
        tab.wait_for_timeout(2000)
        tab.screenshot(path=ROOT / "docs" / "web_play.png")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                report_shot(browser, Path(tmp))
                web_shot(browser, Path(tmp))
            finally:
                browser.close()
        replay_shot(Path(tmp))  # after Playwright's event loop is gone
    print("wrote docs/report.png, docs/replay.svg and docs/web_play.png")


if __name__ == "__main__":
    main()
