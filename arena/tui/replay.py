"""``arena replay GAME_ID``: step through a recorded game in a Textual app.

The game is seen by one seat (only what that seat knew: ``state.render(viewer=seat)``) or with
everything revealed; ``r`` toggles, ``s`` picks the next seat. At each decision the app shows
the acting agent's move probabilities, recomputed from the agent that played (a built-in agent,
or the stored package when its content hash still matches) in a worker thread; in a seat's
view only that seat's own decisions show them (another seat's policy would give its hand away).
When an agent is gone, changed, is a person or has no ``policy``, the app says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static

from arena import records
from arena.ladder import GameRow

Probs = dict[int, list[tuple[int, str, float]]]


def bar(p: float, width: int = 16) -> str:
    """A text bar of ``p`` (0..1) in eighths of a cell."""
    eighths = round(p * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("" if not part else " ▏▎▍▌▋▊▉"[part])


def probs_text(
    step: records.ReplayStep | None,
    viewer: int | None,
    probs: Probs | None,
    notes: dict[int, str],
    index: int,
) -> Text:
    """What the move panel says about the decision just played (step ``index``)."""
    if step is None:
        return Text("Start of the game: → to step forward.", style="dim")
    text = Text(step.text + "\n", style="bold")
    if step.player < 0:
        return text
    if viewer is not None and viewer != step.player:
        return text.append(
            f"seat {step.player}'s move probabilities are hidden in seat {viewer}'s view.",
            style="dim",
        )
    if probs is None:
        return text.append("computing move probabilities…", style="dim")
    if index not in probs:
        return text.append(notes.get(step.player, "no move probabilities"), style="dim")
    dist = probs[index]
    shown = [d for d in dist if d[2] >= 0.0005 or d[0] == step.actions[0]][:12]
    width = max(len(string) for _, string, _ in shown)
    for action, string, p in shown:
        mark = "▶" if action == step.actions[0] else " "
        style = "bold" if action == step.actions[0] else ""
        text.append(f"{mark} {string:>{width}} {100 * p:5.1f}% {bar(p)}\n", style=style)
    if len(dist) > len(shown):
        text.append(f"{len(dist) - len(shown)} other legal moves below 0.05%", style="dim")
    return text


class ReplayApp(App[None]):
    """Step through one recorded game.

    Args:
        row: the game.
        identities: :func:`arena.records.agent_identities` of its ladder.
        seat: the seat whose view is shown first; ``None`` shows everything.
    """

    CSS = """
    #body { height: 1fr; }
    #board { width: 3fr; padding: 0 1; border: round $panel-lighten-2; }
    #side { width: 2fr; }
    #move { height: auto; padding: 0 1; border: round $panel-lighten-2; }
    #log { height: 1fr; padding: 0 1; border: round $panel-lighten-2; }
    #where { height: 1; padding: 0 1; }
    """
    TITLE = "arena replay"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("right,l,space", "step(1)", "Forward", key_display="→"),
        Binding("left,h", "step(-1)", "Back", key_display="←"),
        Binding("home,g", "jump(0)", "Start"),
        Binding("end,G", "jump(-1)", "End"),
        Binding("r", "reveal", "Reveal/seat"),
        Binding("s", "next_seat", "Next seat"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        row: GameRow,
        identities: dict[str, tuple[str, str]],
        seat: int | None = None,
    ) -> None:
        super().__init__()
        self.row = row
        self.identities = identities
        self.steps: Sequence[records.ReplayStep] = records.replay_steps(row)
        self.frame = 0
        """Steps played so far (0: the start; ``len(steps)``: the end)."""
        self.viewer: int | None = seat
        self.last_seat = 0 if seat is None else seat
        self.probs: Probs | None = None
        self.notes: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="where")
        with Horizontal(id="body"):
            yield Static(id="board")
            with Vertical(id="side"):
                yield Static(id="move")
                yield Static(id="log")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the start, and recompute the move probabilities in a worker."""
        self.sub_title = f"{records.game_id(self.row)} · {' vs '.join(self.row.agents)}"
        self.query_one("#board").border_title = "table"
        self.query_one("#move").border_title = "move"
        self.query_one("#log").border_title = "moves"
        self.show()
        self.compute_probabilities()

    @work(thread=True, exclusive=True, group="policies", description="move probabilities")
    def compute_probabilities(self) -> None:
        """The agents' move probabilities at every decision (agents run off the UI thread)."""
        probs, notes = records.move_probabilities(self.row, self.identities, self.steps)
        self.call_from_thread(self._probabilities_ready, probs, notes)

    def _probabilities_ready(self, probs: Probs, notes: dict[int, str]) -> None:
        self.probs, self.notes = probs, notes
        self.show()

    # -- what is shown ---------------------------------------------------------------------
    def board_text(self) -> str:
        """The table after ``frame`` steps, seen by the viewer (or everything)."""
        moves = self.steps[self.frame - 1].end if self.frame else 0
        return records.state_at(self.row, moves).render(self.viewer)

    def show(self) -> None:
        """Redraw every panel for the current step and view."""
        who = "everything revealed" if self.viewer is None else f"seen by seat {self.viewer}"
        where = f"step {self.frame} / {len(self.steps)} · {who}"
        self.query_one("#where", Static).update(where)
        self.query_one("#board", Static).update(Text(self.board_text()))
        step = self.steps[self.frame - 1] if self.frame else None
        self.query_one("#move", Static).update(
            probs_text(step, self.viewer, self.probs, self.notes, self.frame - 1)
        )
        lines = [f"{k + 1}. {s.text}" for k, s in enumerate(self.steps[: self.frame])]
        if self.frame == len(self.steps):
            lines.append("end: " + records.ending_text(self.row))
        self.query_one("#log", Static).update(Text("\n".join(lines[-40:])))

    # -- keys ------------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        """One step forward or back."""
        self.action_jump(min(max(self.frame + delta, 0), len(self.steps)))

    def action_jump(self, frame: int) -> None:
        """To step ``frame`` (-1: the end)."""
        self.frame = len(self.steps) if frame < 0 else frame
        self.show()

    def action_reveal(self) -> None:
        """Toggle between everything revealed and the last seat's view."""
        self.viewer = self.last_seat if self.viewer is None else None
        self.show()

    def action_next_seat(self) -> None:
        """Show the next seat's view."""
        players = len(self.row.seats)
        self.last_seat = 0 if self.viewer is None else (self.viewer + 1) % players
        self.viewer = self.last_seat
        self.show()


def run_replay(row: GameRow, identities: dict[str, tuple[str, str]], seat: int | None) -> int:
    """Run the replay app until the person quits; exit status 0."""
    ReplayApp(row, identities, seat).run()
    return 0
