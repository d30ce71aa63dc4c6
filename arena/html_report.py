"""``arena report --html FILE``: one self-contained HTML page of one game configuration.

The page loads nothing: its style, its script (``arena/assets/report.css``, ``report.js``), its
charts (SVG drawn here) and its data (JSON in a ``<script type="application/json">``) are all
inline, so it opens offline, from a mail attachment or a phone. It shows:

* the ratings, with their intervals as bars;
* the head-to-head crosstable as a heatmap (row agent's score against the column agent);
* the win rate of each seat against the fair share;
* training curves of agent packages that carry them (``training.curves`` of ``agent.json``:
  ``{"metric": [[step, value], ...]}`` or ``{"metric": {"steps": [...], "values": [...]}}``);
* a game viewer: step through a game seen by one seat (only what it knew) or with everything
  revealed, with the acting agent's move probabilities recomputed when the page is made
  (:func:`arena.records.move_probabilities`), shown in a seat's view for that seat's own moves
  only (another seat's policy would give away its hidden hand).

The training curves and the viewer's games are gathered by :mod:`arena.html_data`; this module
draws the charts and tables and writes the page.

Size: the aggregates do not grow with the number of games; the viewer holds every game of a
ladder of at most ``sample`` games (default :data:`DEFAULT_SAMPLE`), else a uniform random
sample of ``sample`` games drawn with a fixed seed, which the page names. Each game stores the
distinct lines of its positions once (positions refer to them by number).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from arena.html_data import SAMPLE_SEED, game_view, package_curves, sample_games
from arena.ladder import GameRow

DEFAULT_SAMPLE = 100
"""Games in the viewer when the ladder has more."""


def _asset(name: str) -> str:
    return resources.files("arena").joinpath("assets", name).read_text(encoding="utf-8")


def esc(text: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(text), quote=True)


# -- charts -----------------------------------------------------------------------------------
def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[low, high]``."""
    span = max(high - low, 1e-9)
    raw = span / count
    step = 10 ** np.floor(np.log10(raw))
    for mult in (1, 2, 5, 10):
        if raw <= mult * step:
            step *= mult
            break
    start = np.ceil(low / step) * step
    return [float(v) for v in np.arange(start, high + step / 2, step)]


def ratings_svg(table: pd.DataFrame) -> str:
    """The ratings as dots with interval bars, best first (an inline SVG).

    An unbounded end (an agent that won or lost every game) runs to the edge of the chart.
    """
    ends = pd.concat(
        [table["rating"], table["rating"] - table["minus"], table["rating"] + table["plus"]]
    )
    finite = ends[np.isfinite(ends)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (-1.0, 1.0)
    pad = max((hi - lo) * 0.05, 1.0)
    lo, hi = lo - pad, hi + pad
    left = 16 + 7 * max(len(str(a)) for a in table["agent"])
    width, row_h = 400, 26
    height = row_h * len(table) + 34

    def x(v: float) -> float:
        return left + (min(max(v, lo), hi) - lo) / (hi - lo) * width

    parts = [
        f'<svg class="chart" viewBox="0 0 {left + width + 20} {height}" role="img" '
        'aria-label="ratings with intervals">'
    ]
    for tick in _ticks(lo, hi):
        parts.append(
            f'<line class="grid" x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="4" '
            f'y2="{height - 24}"/><text class="tick" x="{x(tick):.1f}" y="{height - 8}" '
            f'text-anchor="middle">{tick + 0.0:.0f}</text>'
        )
    for i, r in enumerate(table.itertuples()):
        y = 4 + row_h * i + row_h / 2
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{esc(r.agent)}</text>"
            f'<line class="bar" x1="{x(r.rating - r.minus):.1f}" x2="{x(r.rating + r.plus):.1f}"'
            f' y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<circle class="dot" cx="{x(r.rating):.1f}" cy="{y:.1f}" r="5">'
            f"<title>{esc(r.agent)}: {r.rating:.0f} ({interval_text(r.minus, r.plus)})</title>"
            "</circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def interval_text(minus: float, plus: float) -> str:
    """``-12 +15``; an unbounded end as ``∞``."""

    def one(v: float) -> str:
        return f"{v:.0f}" if np.isfinite(v) else "∞"

    return f"-{one(minus)} +{one(plus)}"


def rating_text(row: Any) -> str:
    """The rating as the text report writes it: ``R``, ``>R``/``<R`` (a one-sided bound of an
    agent that was never ranked below / above the others) or ``?`` (never compared)."""
    bound = getattr(row, "bound", "")
    if not bound:
        return f"{row.rating:.0f}"
    return {"lower": f">{row.rating:.0f}", "upper": f"<{row.rating:.0f}"}.get(bound, "?")


def ratings_html(table: pd.DataFrame) -> str:
    """The ratings table and its chart."""
    rows = "".join(
        f"<tr><td>{r.rank}</td><td>{esc(r.agent)}</td><td>{esc(rating_text(r))}</td>"
        f"<td>{interval_text(r.minus, r.plus)}</td><td>{r.games:g}</td><td>{r.score:.3f}</td>"
        f"<td>{100 * r.win_rate:.1f}%</td></tr>"
        for r in table.itertuples()
    )
    return (
        ratings_svg(table) + '<div class="scroll"><table id="ratings"><thead><tr><th>rank</th>'
        "<th>agent</th><th>rating</th><th>95% interval</th><th>games</th><th>score</th>"
        f"<th>win</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def heat_colour(fraction: float) -> str:
    """A background from red (0) through pale yellow (0.5) to green (1)."""
    return f"hsl({120 * fraction:.0f}, 65%, {82 - 10 * abs(fraction - 0.5):.0f}%)"


def heatmap_html(matrix: pd.DataFrame) -> str:
    """The crosstable as a heatmap table: the row agent's score against the column agent."""
    agents = list(matrix.index)
    head = "".join(f'<th class="col">{esc(a)}</th>' for a in matrix.columns)
    body = []
    for agent in agents:
        cells = []
        for opponent in matrix.columns:
            value = matrix.at[agent, opponent]
            if pd.isna(value):
                cells.append('<td class="na">–</td>')
            else:
                cells.append(
                    f'<td style="background:{heat_colour(float(value))}" '
                    f'title="{esc(agent)} against {esc(opponent)}">{value:.2f}</td>'
                )
        body.append(f"<tr><th>{esc(agent)}</th>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table class="heat" id="crosstable"><thead><tr><th></th>{head}'
        f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def seats_svg(seats: pd.DataFrame) -> str:
    """Win rate by seat as bars, with the fair share as a dashed line."""
    left, width, row_h = 70, 400, 24
    height = row_h * len(seats) + 30
    top = max(1.0, float(seats["win_rate"].max()))
    parts = [
        f'<svg class="chart" viewBox="0 0 {left + width + 60} {height}" role="img" '
        'aria-label="win rate by seat">'
    ]
    for i, r in enumerate(seats.itertuples()):
        y = 4 + row_h * i
        w = r.win_rate / top * width
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y + 15}" text-anchor="end">seat {r.seat}'
            f'</text><rect class="seatbar" x="{left}" y="{y + 3}" width="{w:.1f}" height="16">'
            f"<title>seat {r.seat}: {r.wins} wins in {r.games} games</title></rect>"
            f'<text class="tick" x="{left + w + 6:.1f}" y="{y + 15}">{100 * r.win_rate:.1f}%'
            "</text>"
        )
        if hasattr(r, "lower") and np.isfinite([r.lower, r.upper]).all():
            lo, hi = left + r.lower / top * width, left + r.upper / top * width
            parts.append(
                f'<line class="whisker" x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + 11}" y2="{y + 11}">'
                f"<title>95% interval {100 * r.lower:.1f}% to {100 * r.upper:.1f}%</title></line>"
            )
    fair = float(seats["fair_share"].iloc[0]) / top * width + left
    parts.append(
        f'<line class="fair" x1="{fair:.1f}" x2="{fair:.1f}" y1="2" y2="{height - 22}"/>'
        f'<text class="tick" x="{fair:.1f}" y="{height - 6}" text-anchor="middle">fair share '
        f"{100 * float(seats['fair_share'].iloc[0]):.0f}%</text></svg>"
    )
    return "".join(parts)


# -- training curves --------------------------------------------------------------------------
def curve_svg(label: str, metric: str, points: Sequence[tuple[float, float]]) -> str:
    """One training curve as a small line chart."""
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    left, width, height = 50, 380, 150
    x0, x1 = float(xs.min()), float(xs.max()) or 1.0
    y0, y1 = float(ys.min()), float(ys.max())
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    px = left + (xs - x0) / ((x1 - x0) or 1.0) * width
    py = 10 + (1 - (ys - y0) / (y1 - y0)) * (height - 40)
    path = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
    return (
        f'<figure class="curve"><figcaption>{esc(label)}: {esc(metric)}</figcaption>'
        f'<svg class="chart" viewBox="0 0 {left + width + 10} {height}" role="img" '
        f'aria-label="{esc(metric)}"><polyline class="line" points="{path}"/>'
        f'<text class="tick" x="{left - 4}" y="16" text-anchor="end">{y1:.3g}</text>'
        f'<text class="tick" x="{left - 4}" y="{height - 30}" text-anchor="end">{y0:.3g}</text>'
        f'<text class="tick" x="{left}" y="{height - 12}">{x0:.3g}</text>'
        f'<text class="tick" x="{left + width}" y="{height - 12}" text-anchor="end">{x1:.3g}'
        "</text></svg></figure>"
    )


def curves_html(rows: Sequence[GameRow], identities: dict[str, tuple[str, str]]) -> str:
    """Every training curve of the rated agent packages, or a line saying there is none."""
    labels = sorted({label for g in rows for label in g.agents})
    figures = []
    for label in labels:
        spec, digest = identities.get(label, (label, ""))
        for metric, points in package_curves(spec, digest).items():
            figures.append(curve_svg(label, metric, points))
    if not figures:
        return (
            '<p class="note">No rated agent is a package that carries training curves '
            "(<code>training.curves</code> in its <code>agent.json</code>).</p>"
        )
    return '<div class="curves">' + "".join(figures) + "</div>"


# -- the game viewer --------------------------------------------------------------------------
def _json_script(element_id: str, data: Any) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def viewer_html(
    rows: Sequence[GameRow],
    identities: dict[str, tuple[str, str]],
    sample: int,
    seed: int = SAMPLE_SEED,
) -> str:
    """The game viewer: its controls, a note saying which games it holds, and their data."""
    chosen = sample_games(rows, sample, seed)
    if len(chosen) == len(rows):
        which = f"all {len(rows)} games"
    else:
        which = (
            f"{len(chosen)} of the {len(rows)} games: a uniform random sample (seed {seed}; "
            "<code>arena report --html-games N</code> changes its size)"
        )
    data = [game_view(row, identities) for row in chosen]
    return (
        f'<p class="note" id="sample-note">The viewer holds {which}. Keys: ← → step, '
        "Home/End, v switches the view.</p>"
        '<div class="controls"><label>game <select id="game"></select></label>'
        '<label>seen by <select id="viewer"></select></label></div>'
        '<div class="controls"><button id="first" aria-label="first">|◀</button>'
        '<button id="prev" aria-label="back">◀</button>'
        '<span id="frame"></span>'
        '<button id="next" aria-label="forward">▶</button>'
        '<button id="last" aria-label="last">▶|</button></div>'
        '<div class="viewer"><pre id="board"></pre><div><h3>Move</h3><div id="move"></div>'
        '<div id="probs"></div><h3>Moves so far</h3><ol id="log"></ol></div></div>'
        + _json_script("games-data", data)
    )


# -- the page ---------------------------------------------------------------------------------
def render_report(
    rows: Sequence[GameRow],
    identities: dict[str, tuple[str, str]],
    *,
    title: str,
    ratings: pd.DataFrame,
    crosstable: pd.DataFrame,
    seats: pd.DataFrame,
    sample: int = DEFAULT_SAMPLE,
) -> str:
    """The whole page, for the games of one configuration and their tables.

    Args:
        rows: the games (one configuration).
        identities: :func:`arena.records.agent_identities` of their ladder.
        title: the configuration, in words.
        ratings: :func:`arena.report.ratings_table` of the games.
        crosstable: :func:`arena.report.crosstable_matrix` of the games.
        seats: :func:`arena.report.seat_table` of the games.
        sample: most games in the viewer.
    """
    if sample < 1:
        raise ValueError(f"the viewer needs at least one game, got {sample}")
    sections = [
        ("ratings", "Ratings", ratings_html(ratings)),
        (
            "head-to-head",
            "Head-to-head",
            '<p class="note">The row agent\'s score against the column agent (1 above, '
            "½ level, 0 below, per pair of seats at a table).</p>" + heatmap_html(crosstable),
        ),
        (
            "seats",
            "Win rate by seat",
            '<p class="note">Bars: each seat\'s win rate; thin lines: its 95% interval (when '
            "known); dashed: the fair share.</p>" + seats_svg(seats),
        ),
        ("curves", "Training curves", curves_html(rows, identities)),
        ("games", "Games", viewer_html(rows, identities, sample)),
    ]
    nav = " · ".join(f'<a href="#{sid}">{esc(name)}</a>' for sid, name, _ in sections)
    body = "".join(
        f'<section id="{sid}"><h2>{esc(name)}</h2>{content}</section>'
        for sid, name, content in sections
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>arena report: {esc(title)}</title><style>{_asset('report.css')}</style></head>"
        f"<body><header><h1>{esc(title)}</h1><p>{len(rows)} games · bluff-arena report</p>"
        f"<nav>{nav}</nav></header><main>{body}</main>"
        f"<script>{_asset('report.js')}</script></body></html>\n"
    )
