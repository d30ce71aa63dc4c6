"""The ``cfr`` agent: a near-equilibrium policy for Liar's Dice in the OpenSpiel configuration.

The agent plays the AVERAGE policy of OpenSpiel's C++ CFR+ (``pyspiel.CFRPlusSolver``), run on
``pyspiel.load_game("liars_dice")`` until its NashConv is below 0.001. The policy is a table
shipped as package data (``agents/data/liars_dice_cfr_plus.npz``) and rebuilt by
``scripts/make_cfr_policy.py``. It is the project's reference opponent: exact, reproducible and
hard to exploit.

Table index
-----------
An information state of the OpenSpiel configuration is the player's own die and the sequence
of bids so far. Bids strictly increase, so the sequence is the SET of bid ids made, and the
player to move is the parity of its size (seat 0 opens). The canonical index is::

    index = die_index * 4096 + bid_mask

where ``die_index = face - 1`` (0..5) and bit ``b`` of ``bid_mask`` (0..4095) is set when bid
id ``b`` (0..11, ``"1-1"`` … ``"2-6"``) was made. Both come from the local observation without
strings: the die from the one-hot ``own_dice`` slice, the mask from the ``bids`` slice (bit
``bid * players + relative_bidder``) of :class:`games.liars_dice.encoding.Layout`.

Data file
---------
A compressed ``.npz`` read with ``np.load(path, allow_pickle=False)`` (never pickle):

* ``probs``: float32 ``(24576, 13)``, row ``index`` the action probabilities there (zero on
  illegal actions, each row summing to 1);
* ``iterations``: int64 scalar, the CFR+ iterations run;
* ``nash_conv``: float64 scalar, the NashConv of the stored (float32) table;
* ``openspiel_version``: uint8 ASCII bytes of the open-spiel version that computed it.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from agents.base import AgentSpecError, BaseAgent
from games.core import Game, Observation
from games.liars_dice.encoding import Layout
from games.openspiel import OPENSPIEL_PARAMS

NUM_DICE_FACES = 6
"""Faces of the single die each player holds in the OpenSpiel configuration."""
NUM_BIDS = 12
"""Bid ids ``0..11`` (``"1-1"`` … ``"2-6"``); ``12`` is Liar."""
NUM_ACTIONS = NUM_BIDS + 1
"""Distinct actions of the OpenSpiel configuration."""
NUM_MASKS = 1 << NUM_BIDS
"""Distinct bid sets (4096)."""
NUM_INDICES = NUM_DICE_FACES * NUM_MASKS
"""Rows of the table: one per information state (24,576)."""
DATA_FILE = "liars_dice_cfr_plus.npz"
"""Name of the table in ``agents/data/``."""
REGENERATE = "python scripts/make_cfr_policy.py"
"""The command that rebuilds the table (named in every loading error)."""
LAYOUT = Layout(players=2, dice=1, sides=NUM_DICE_FACES)
"""The observation layout of the OpenSpiel configuration."""
_KEYS = ("probs", "iterations", "nash_conv", "openspiel_version")


class CFRTableError(AgentSpecError):
    """The policy table is missing or malformed (the message says how to rebuild it)."""


@dataclass(frozen=True)
class CFRTable:
    """The CFR+ average policy and where it came from.

    Attributes:
        probs: float32 ``(24576, 13)`` action probabilities, row = canonical index.
        iterations: CFR+ iterations that produced it.
        nash_conv: NashConv of this (float32) table in OpenSpiel's ``liars_dice``.
        openspiel_version: the open-spiel version that computed it.
    """

    probs: np.ndarray
    iterations: int
    nash_conv: float
    openspiel_version: str


def info_index(die_index: int, bids: Iterable[int]) -> int:
    """Canonical index of the information state (own die ``die_index + 1``, bids made).

    Raises:
        ValueError: for a die outside 0..5 or a bid id outside 0..11.
    """
    if not 0 <= die_index < NUM_DICE_FACES:
        raise ValueError(f"die_index must be in 0..{NUM_DICE_FACES - 1}, got {die_index}")
    mask = 0
    for bid in bids:
        if not 0 <= bid < NUM_BIDS:
            raise ValueError(f"bid ids are 0..{NUM_BIDS - 1}, got {bid}")
        mask |= 1 << bid
    return die_index * NUM_MASKS + mask


def legal_mask_of(index: int) -> np.ndarray:
    """The legal actions at table row ``index``: bids above the highest made, and Liar if any."""
    mask_bits = index % NUM_MASKS
    legal = np.zeros(NUM_ACTIONS, dtype=bool)
    legal[mask_bits.bit_length() : NUM_BIDS] = True
    legal[NUM_BIDS] = mask_bits != 0
    return legal


@cache
def _legal_masks() -> np.ndarray:
    """Boolean ``(24576, 13)``: the legal actions of every table row."""
    return np.stack([legal_mask_of(i) for i in range(NUM_INDICES)])


def observation_indices(tensors: np.ndarray) -> np.ndarray:
    """Canonical indices of a batch of local observations (shape ``(n, obs_size)``).

    Raises:
        ValueError: when a tensor is not an observation of the OpenSpiel configuration or
            shows no die.
    """
    tensors = np.asarray(tensors)
    if tensors.ndim != 2 or tensors.shape[1] != LAYOUT.observation_size:
        raise ValueError(
            f"expected observations of length {LAYOUT.observation_size} (Liar's Dice, OpenSpiel "
            f"configuration), got shape {tensors.shape}"
        )
    sl = LAYOUT.observation_slices
    own = tensors[:, sl["own_dice"]] > 0.5
    if not np.all(own.sum(axis=1) == 1):
        raise ValueError("an observation shows no die (was it taken before the roll?)")
    bids = tensors[:, sl["bids"]].reshape(len(tensors), NUM_BIDS, LAYOUT.players) > 0.5
    weights = 1 << np.arange(NUM_BIDS, dtype=np.int64)
    masks = bids.any(axis=2).astype(np.int64) @ weights
    return np.argmax(own, axis=1).astype(np.int64) * NUM_MASKS + masks


def default_table_path() -> Path:
    """Where the shipped table lives (``agents/data/liars_dice_cfr_plus.npz``)."""
    return Path(str(resources.files("agents") / "data" / DATA_FILE))


def save_table(path: str | os.PathLike[str], table: CFRTable) -> None:
    """Write ``table`` as a compressed ``.npz`` (see the module docstring); no pickle."""
    _validate_probs(np.asarray(table.probs), Path(path))
    with open(path, "wb") as fh:  # a file object: numpy adds no ".npz" to the name
        np.savez_compressed(
            fh,
            probs=np.asarray(table.probs, dtype=np.float32),
            iterations=np.int64(table.iterations),
            nash_conv=np.float64(table.nash_conv),
            openspiel_version=np.frombuffer(table.openspiel_version.encode("ascii"), np.uint8),
        )


def load_table(path: str | os.PathLike[str] | None = None) -> CFRTable:
    """Load and validate the policy table; the shipped one (cached) when ``path`` is None.

    Raises:
        CFRTableError: when the file is missing, unreadable or malformed.
    """
    if path is None:
        return _shipped_table()
    return _read_table(Path(path))


@cache
def _shipped_table() -> CFRTable:
    """The shipped table, read once per process (also from a zipped install)."""
    with resources.as_file(resources.files("agents") / "data" / DATA_FILE) as path:
        return _read_table(Path(path))


def _read_table(path: Path) -> CFRTable:
    """Read and validate the ``.npz`` at ``path``."""
    if not path.is_file():
        raise CFRTableError(f"the cfr policy table {path} is missing; rebuild it with {REGENERATE}")
    arrays = _read_arrays(path)
    missing = [key for key in _KEYS if key not in arrays]
    if missing:
        raise CFRTableError(
            f"the cfr policy table {path} lacks {', '.join(missing)}; rebuild it with {REGENERATE}"
        )
    _validate_probs(arrays["probs"], path)
    arrays["probs"].setflags(write=False)  # the shipped table is shared by every agent
    try:
        return CFRTable(
            probs=arrays["probs"],
            iterations=int(arrays["iterations"]),
            nash_conv=float(arrays["nash_conv"]),
            openspiel_version=bytes(arrays["openspiel_version"].astype(np.uint8)).decode("ascii"),
        )
    except (TypeError, ValueError) as exc:
        raise CFRTableError(
            f"the cfr policy table {path} has malformed metadata ({exc}); "
            f"rebuild it with {REGENERATE}"
        ) from exc


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path`` (never unpickled)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise CFRTableError(
            f"the cfr policy table {path} cannot be read ({exc}); rebuild it with {REGENERATE}"
        ) from exc


def _validate_probs(probs: np.ndarray, path: Path) -> None:
    """Raise :class:`CFRTableError` unless ``probs`` is a policy over the legal actions."""
    problem = _probs_problem(probs)
    if problem is not None:
        raise CFRTableError(
            f"the cfr policy table {path} is malformed: {problem}; rebuild it with {REGENERATE}"
        )


def _probs_problem(probs: np.ndarray) -> str | None:
    """What is wrong with ``probs``, or None."""
    if probs.shape != (NUM_INDICES, NUM_ACTIONS) or probs.dtype != np.float32:
        return (
            f"probs must be float32 {(NUM_INDICES, NUM_ACTIONS)}, got {probs.dtype} {probs.shape}"
        )
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        return "probs has negative or non-finite entries"
    if np.any(probs[~_legal_masks()] != 0):
        return "probs gives probability to illegal actions"
    if not np.allclose(probs.sum(axis=1, dtype=np.float64), 1.0, atol=1e-4):
        return "a row of probs does not sum to 1"
    return None


def supports_game(game: Game) -> str | None:
    """None for Liar's Dice in the OpenSpiel configuration, else why the cfr agent refuses."""
    params = game.params
    if game.name == "liars_dice" and params == OPENSPIEL_PARAMS:
        return None
    wanted = ", ".join(f"{k}={v!r}" for k, v in OPENSPIEL_PARAMS.items())
    if game.name != "liars_dice":
        got = f"got the game {game.name!r}"
    else:
        diff = [f"{k}={params.get(k)!r}" for k, v in OPENSPIEL_PARAMS.items() if params.get(k) != v]
        got = f"got {', '.join(diff)}"
    return f"the cfr agent only plays Liar's Dice in the OpenSpiel configuration ({wanted}); {got}"


class CFRAgent(BaseAgent):
    """Plays the CFR+ average policy (NashConv below 0.001) of OpenSpiel's ``liars_dice``.

    Args:
        table_path: a table to load instead of the shipped one (tests, experiments).

    Raises:
        CFRTableError: when the table is missing or malformed.
    """

    name = "cfr"

    def __init__(self, table_path: str | os.PathLike[str] | None = None) -> None:
        super().__init__()
        self.table = load_table(table_path)

    def supports(self, game: Game) -> str | None:
        """None only for Liar's Dice in the OpenSpiel configuration, else the reason."""
        return supports_game(game)

    @property
    def shared_policy(self) -> CFRTable:
        """What the copies made by :meth:`spawn` share: the table."""
        return self.table

    def batch_leaf(self) -> CFRAgent:
        """Itself: copies share the table and are answered with one lookup."""
        return self

    def policy(self, obs: Observation) -> np.ndarray:
        """Action probabilities (float64, 13 actions, zero on illegal ones) at ``obs``."""
        return self.policy_batch([obs])[0]

    def policy_batch(self, observations: Sequence[Observation]) -> np.ndarray:
        """Action probabilities ``(n, 13)`` for several observations at once.

        Raises:
            ValueError: for an observation of another configuration or with no legal action.
        """
        tensors = np.stack([np.asarray(o.tensor) for o in observations])
        rows = self.table.probs[observation_indices(tensors)].astype(np.float64)
        masks = np.stack([np.asarray(o.legal_mask) for o in observations]) > 0
        rows = np.where(masks, rows, 0.0)
        totals = rows.sum(axis=1, keepdims=True)
        if np.any(totals <= 0):
            raise ValueError("the cfr agent was asked to act where it has no legal action")
        return rows / totals
