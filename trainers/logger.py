"""Training metrics: a CSV row per update, TensorBoard when installed, a PNG of the curves."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

CURVES = (
    ("pg_loss", "value_loss", "extra_loss"),
    ("entropy", "approx_kl", "clip_frac", "magnet_kl"),
    ("explained_variance",),
    ("win_vs_random", "win_vs_heuristic", "nash_conv", "cadp_d_nash_conv", "global_nash_conv"),
)


class MetricsLog:
    """Appends metrics to ``metrics.csv`` in ``out`` (keeps earlier rows on resume)."""

    def __init__(self, out: Path) -> None:
        self.path = out / "metrics.csv"
        self.rows: list[dict[str, Any]] = self._read()
        self._tb = _tensorboard(out)

    def _read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(newline="") as f:
            return [{k: parse_cell(v) for k, v in row.items()} for row in csv.DictReader(f)]

    def truncate(self, update: int) -> None:
        """Forget rows after ``update`` (a resume replays them)."""
        self.rows = [r for r in self.rows if r.get("update", 0) <= update]
        self._write()

    def add(self, row: dict[str, Any]) -> None:
        """Record one update's metrics."""
        self.rows.append(row)
        self._write()
        if self._tb is not None:
            for key, value in row.items():
                if key != "update" and value is not None:
                    self._tb.add_scalar(key, value, int(row["update"]))

    def curves(self, x: str = "update") -> dict[str, list[list[float]]]:
        """The evaluation curves (the last group of :data:`CURVES`, plus any ``*nash_conv``
        column) as ``{metric: [[x, value], ...]}``, for the package's ``training.curves``
        (drawn by the HTML report)."""
        names = [*CURVES[-1], *sorted({k for r in self.rows for k in r if k.endswith("nash_conv")})]
        out: dict[str, list[list[float]]] = {}
        for name in dict.fromkeys(names):
            points = [
                [float(r[x]), float(r[name])]
                for r in self.rows
                if isinstance(r.get(name), int | float) and isinstance(r.get(x), int | float)
            ]
            if points:
                out[name] = points
        return out

    def update_last(self, values: dict[str, Any]) -> None:
        """Add ``values`` to the last row (e.g. a final evaluation)."""
        if self.rows:
            self.rows[-1].update(values)
            self._write()

    def _write(self) -> None:
        keys: list[str] = []
        for row in self.rows:
            keys += [k for k in row if k not in keys]
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.rows)
        tmp.replace(self.path)

    def plot(self, path: Path, title: str) -> Path:
        """A PNG with one panel per group of :data:`CURVES`."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(len(CURVES), 1, figsize=(8, 2.4 * len(CURVES)), sharex=True)
        for ax, keys in zip(axes, CURVES, strict=True):
            for key in keys:
                pts = [(r["decisions"], r[key]) for r in self.rows if r.get(key) is not None]
                if pts:
                    ax.plot(
                        *zip(*pts, strict=True), label=key, marker="." if len(pts) < 50 else None
                    )
            if ax.lines:
                ax.legend(loc="best", fontsize=8)
            ax.grid(alpha=0.3)
        axes[-1].set_xlabel("decisions")
        axes[0].set_title(title)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path


def parse_cell(text: str | None) -> int | float | str | None:
    """A CSV cell as it was written: ``12`` an int, ``0.5`` / ``12.0`` / ``nan`` a float, empty
    None (so a resumed run rewrites every column with its type)."""
    if text is None or text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _tensorboard(out: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(str(out / "tensorboard"))
