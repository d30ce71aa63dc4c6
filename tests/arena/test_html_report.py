"""``arena report --html``: one self-contained page (arena/html_report.py), also in a browser."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from agents.content_hash import spec_hash
from agents.zoo import zoo_path
from arena import html_data, html_report
from arena.cli import main
from arena.ladder import Ladder
from tests.arena.test_records import DUEL, play


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def ladder_db(tmp_path_factory) -> Path:
    """A duel ladder of 12 games between three built-in agents."""
    db = tmp_path_factory.mktemp("html") / "ladder.db"
    play(db, "duel", *DUEL, agents="random,heuristic,cfr", n=2)
    return db


@pytest.fixture(scope="module")
def page(ladder_db, tmp_path_factory) -> Path:
    """The report of ``ladder_db`` with 5 games in its viewer."""
    out = tmp_path_factory.mktemp("page") / "report.html"
    code = main(["report", "--db", str(ladder_db), "--html", str(out), "--html-games", "5"])
    assert code == 0
    return out


def viewer_data(text: str) -> list[dict]:
    found = re.search(r'<script type="application/json" id="games-data">(.*?)</script>', text)
    assert found is not None
    return json.loads(found.group(1))


def test_the_page_is_self_contained(page):
    text = page.read_text()
    assert not re.search(r"https?://", text)  # nothing the page could load, nor any link out
    assert not re.search(r"<(link|img|iframe|object|embed)\b", text)
    assert not re.search(r"\bsrc\s*=", text) and "@import" not in text and "url(" not in text
    assert text.count("<script") == 2  # the data and the inline viewer
    assert '<meta name="viewport"' in text  # readable on a phone


def test_the_page_has_ratings_heatmap_seats_curves_and_games(page):
    text = page.read_text()
    for agent in ("random", "heuristic", "cfr"):
        assert f"<td>{agent}</td>" in text
    assert text.count('<circle class="dot"') == 3  # one interval bar per agent
    assert 'id="crosstable"' in text and text.count("background:hsl(") == 6
    assert text.count('class="seatbar"') == 2 and "fair share 50%" in text
    assert "No rated agent is a package that carries training curves" in text
    data = viewer_data(text)
    assert len(data) == 5
    assert "5 of the 12 games: a uniform random sample (seed 0" in text
    game = data[0]
    assert len(game["frames"]) == len(game["steps"]) + 1
    assert all(len(frame) == 3 for frame in game["frames"])  # seat 0, seat 1, revealed
    first = game["frames"][1]  # after the deal: each seat sees its own die only
    seat0 = [game["lines"][i] for i in first[0]]
    revealed = [game["lines"][i] for i in first[2]]
    assert any("[?]" in line for line in seat0) and not any("[?]" in line for line in revealed)
    decisions = [s for s in game["steps"] if s["p"] >= 0]
    assert decisions and all("q" in s for s in decisions)
    for step in decisions:
        total = sum(p for _, p, _ in step["q"]) + step.get("rp", 0.0)
        assert total == pytest.approx(1.0, abs=1e-3) and len(step["q"]) <= 13
        assert sum(played for _, _, played in step["q"]) == 1


def test_sampling_is_seeded_and_keeps_game_order(ladder_db):
    with Ladder(ladder_db, readonly=True) as ladder:
        rows = ladder.games()
    first = html_data.sample_games(rows, 4)
    assert first == html_data.sample_games(rows, 4)
    assert [r.index for r in first] == sorted(r.index for r in first)
    assert html_data.sample_games(rows, 50) == rows


def test_training_curves_of_a_package_that_carries_them(tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(zoo_path("liars-dice-duel"), pkg)
    manifest = json.loads((pkg / "agent.json").read_text())
    manifest["training"]["curves"] = {
        "win_vs_random": [[0, 0.5], [100, 0.7], [200, 0.8]],
        "nash_conv": {"steps": [0, 100, 200], "values": [1.5, 0.4, 0.1]},
        "broken": "not a curve",
    }
    (pkg / "agent.json").write_text(json.dumps(manifest))
    curves = html_data.package_curves(str(pkg), spec_hash(str(pkg)))
    assert set(curves) == {"win_vs_random", "nash_conv"}
    assert curves["nash_conv"][2] == (200.0, 0.1)
    assert html_data.package_curves(str(pkg), "0" * 64) == {}  # another package was rated
    svg = html_report.curve_svg("pkg@12345678", "nash_conv", curves["nash_conv"])
    assert "<polyline" in svg and "pkg@12345678: nash_conv" in svg


def test_bad_html_options_are_refused_before_anything_is_written(capsys, ladder_db, tmp_path):
    code, _, err = run(
        capsys,
        "report",
        "--db",
        str(ladder_db),
        "--html",
        str(tmp_path / "r.html"),
        "--html-games",
        "0",
    )
    assert code == 2 and err.count("\n") == 1 and "--html-games" in err
    assert not (tmp_path / "r.html").exists()
    code, _, err = run(capsys, "report", "--db", str(ladder_db), "--html", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "directory" in err
    code, _, err = run(capsys, "report", "--db", str(ladder_db), "--html", "nowhere/r.html")
    assert code == 2 and err.count("\n") == 1 and "no directory" in err


def test_report_lists_game_ids(capsys, ladder_db):
    code, out, _ = run(capsys, "report", "--db", str(ladder_db))
    assert code == 0 and "game ids: duel:0 … duel:11" in out
    code, out, _ = run(capsys, "report", "--db", str(ladder_db), "--games")
    assert code == 0
    ids = re.findall(r"^(duel:\d+)  ", out, flags=re.M)
    assert ids == [f"duel:{i}" for i in range(12)]


# -- in a real browser ------------------------------------------------------------------------
def browser_or_skip() -> str:
    """The system chromium's path, or skip saying what is missing."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does)")


def test_the_page_renders_and_a_click_moves_the_replay(page):
    from playwright.sync_api import sync_playwright

    executable = browser_or_skip()
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page.as_uri())
            assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # fits
            assert "heuristic" in tab.inner_text("#ratings")
            assert tab.locator("svg.chart circle.dot").count() == 3
            board = tab.inner_text("#board")
            assert "Liar's Dice" in board and tab.inner_text("#frame") == "step 0 / " + str(
                len(viewer_data(page.read_text())[0]["steps"])
            )
            tab.click("#next")
            assert tab.inner_text("#frame").startswith("step 1 /")
            assert tab.inner_text("#board") != board  # the dice are rolled
            assert "chance: Roll" in tab.inner_text("#move")
            tab.click("#next")
            assert tab.locator("#probs tr.played").count() == 1  # the move and its odds
            tab.select_option("#viewer", "0")
            assert "[?]" in tab.inner_text("#board")  # seat 0 does not see seat 1's die
        finally:
            browser.close()
    assert errors == []
    assert all(url.startswith(("file:", "data:", "about:")) for url in requests), requests


def test_stored_probabilities_keep_the_likeliest_moves_and_the_played_one():
    dist = [(a, f"m{a}", p) for a, p in enumerate([0.5, 0.3, *[0.2 / 20] * 20])]
    shown = html_data.shown_probabilities(dist, played=21)
    assert len(shown["q"]) == 13 and shown["q"][-1] == ["m21", 0.01, 1]
    assert shown["r"] == 9 and shown["rp"] == pytest.approx(0.09)
    assert html_data.shown_probabilities(dist[:2], played=0) == {
        "q": [["m0", 0.5, 1], ["m1", 0.3, 0]]
    }


def test_one_sided_ratings_read_as_bounds():
    import pandas as pd

    table = pd.DataFrame(
        {
            "rank": [1, 2],
            "agent": ["a", "b"],
            "rating": [300.0, 0.0],
            "minus": [120.0, 0.0],
            "plus": [float("inf"), 0.0],
            "games": [10, 10],
            "score": [1.0, 0.0],
            "win_rate": [1.0, 0.0],
            "bound": ["lower", ""],
        }
    )
    page = html_report.ratings_html(table)
    assert "<td>&gt;300</td>" in page and "-120 +∞" in page and "<td>0</td>" in page
