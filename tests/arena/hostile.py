"""Hostile agents for the sandbox and referee tests (specs ``tests.arena.hostile:NAME``).

Unlike :mod:`tests.arena.faulty` (agents that break), these attack the arena: they cheat with
guessable seeds, snoop on the referee's files, spoof its output, exhaust memory, kill their
worker or leave processes behind. See ``tests/arena/test_hostile.py``.

Some specs are answered by the module's ``__getattr__`` (a factory made on demand):

* ``spawner_<digits>``: an agent leaving ``sleep 300.<digits>`` processes behind (the marker
  lets a test find them in ``/proc``): a plain child and a double-forked daemon;
* ``child_<digits>``: the same with the plain child only;
* ``exit_on_import``: the lookup of the factory itself calls ``os._exit(9)`` (as an agent
  module that exits when imported would).
"""

from __future__ import annotations

import glob
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from agents.cfr import CFRAgent
from agents.random import RandomAgent
from arena.match import sample_chance
from arena.schedule import derive
from games.core import Observation

# -- cheating through guessable seeds ---------------------------------------------------------
CHEAT_ROOTS = 64
"""Root seeds the cheater tries (a user typing ``--seed 0``, ``--seed 42``...)."""
CHEAT_PAIRINGS = 3
CHEAT_DEALS = 128
"""Deal indices tried per pairing (more than the tests' games per pairing)."""
CHEAT_SEATS = 2

_SEED_TABLE: dict[int, tuple[int, int, int]] | None = None


def seed_table() -> dict[int, tuple[int, int, int]]:
    """Agent seed -> (root, pairing, deal index), by brute force over guessable roots."""
    global _SEED_TABLE
    if _SEED_TABLE is None:
        table = {}
        for root in range(CHEAT_ROOTS):
            for p in range(CHEAT_PAIRINGS):
                for d in range(CHEAT_DEALS):
                    for r in range(CHEAT_SEATS):
                        for s in range(CHEAT_SEATS):
                            table[derive(root, "agent", p, d, r, s)] = (root, p, d)
        _SEED_TABLE = table
    return _SEED_TABLE


class Cheater(CFRAgent):
    """Plays CFR, unless its seed reveals the root: then it knows all dice and plays perfectly
    (calls a false bid, else makes the highest true bid, which the opponent cannot top)."""

    name = "cheater"

    def __init__(self) -> None:
        super().__init__()
        self.hands: list[list[int]] | None = None

    def batch_leaf(self):
        return None  # act() one observation at a time (CFRAgent would batch past act)

    def reset(self, game, seat, seed):
        super().reset(game, seat, seed)
        self.hands = None
        found = seed_table().get(seed) if seed is not None else None
        if found is None:
            return
        root, p, d = found
        deal = derive(root, "deal", p, d)
        state = game.new_initial_state()
        rng = np.random.default_rng(deal)
        while state.is_chance_node():
            state.apply_action(sample_chance(state, rng.random()))
        self.hands = [list(h) for h in state.hands]

    def _count(self, face: int) -> int:
        assert self.hands is not None
        return sum(self.game.matches(die, face) for hand in self.hands for die in hand)

    def _true(self, bid_id: int) -> bool:
        bid = self.game.decode_bid(bid_id)
        return self._count(bid.face) >= bid.quantity

    def act(self, obs: Observation):
        if self.hands is None:
            return super().act(obs)
        game = self.game
        legal = [int(a) for a in np.flatnonzero(obs.legal_mask)]
        bids = [a for a in legal if a != game.liar]
        if game.liar in legal:
            standing = bids[0] - 1 if bids else game.liar - 1
            if not self._true(standing):
                return game.liar
        true_bids = [bid for bid in bids if self._true(bid)]
        if true_bids:  # the highest true bid leaves the opponent no true raise
            return true_bids[-1]
        return bids[0] if bids else game.liar  # lost anyway: hope for a raise


def cheater():
    return Cheater()


# -- snooping on the referee's machine --------------------------------------------------------
def _cmdline_db_paths() -> list[str]:
    """Ladder paths named by ``--db`` on any visible process's command line."""
    found = []
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            args = Path(path).read_bytes().split(b"\0")
        except OSError:
            continue
        for i, arg in enumerate(args[:-1]):
            if arg == b"--db":
                found.append(args[i + 1].decode(errors="replace"))
    return found


def _on_python_path(path: str) -> bool:
    """Whether ``path`` leads to the interpreter or a ``sys.path`` entry (which the sandbox
    shows read-only, so its parent directories exist there too)."""
    path = os.path.normpath(path)
    needed = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path}
    return any(p and os.path.normpath(p).startswith(path) for p in needed)


def _readable(path: str) -> bool:
    """Whether ``path`` gives anything away: a directory with entries other than the way to
    the Python installation, or a readable file."""
    try:
        if os.path.isdir(path):
            entries = [e for e in os.listdir(path) if not _on_python_path(os.path.join(path, e))]
            return bool(entries)
        with open(path, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False


def _network() -> bool:
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=1).close()
        return True
    except OSError:
        return False


def snoop_findings() -> list[str]:
    """What this process can see of the referee's machine (empty inside the sandbox)."""
    repo = Path(__file__).resolve().parents[2]
    candidates = [
        "/root",
        os.path.expanduser("~"),
        os.environ.get("HOME", ""),
        *glob.glob("/tmp/pytest-of-*"),
        *_cmdline_db_paths(),
        str(repo / "pyproject.toml"),
        str(repo / "README.md"),
        str(repo / "tests" / "arena" / ".." / ".." / "pyproject.toml"),
    ]
    leaks = [p for p in dict.fromkeys(candidates) if p and _readable(p)]
    if os.environ.get("ARENA_DB"):
        leaks.append("env ARENA_DB")
    if _network():
        leaks.append("network 1.1.1.1:53")
    return leaks


_FINDINGS: list[str] | None = None


class Snoop(RandomAgent):
    """Plays randomly, unless it can read the referee's files or reach the network: then it
    plays an illegal action (a forfeit the test sees) and logs what it found."""

    def reset(self, game, seat, seed):
        super().reset(game, seat, seed)
        global _FINDINGS
        if _FINDINGS is None:
            _FINDINGS = snoop_findings()
            print(f"SNOOP FINDINGS {_FINDINGS}", file=sys.stderr, flush=True)

    def act(self, obs: Observation):
        if _FINDINGS:
            return int(np.flatnonzero(obs.legal_mask == 0)[0])
        return super().act(obs)


def snoop():
    return Snoop()


# -- spoofing the referee's output ------------------------------------------------------------
SPOOF_MARK = "HOSTILE-SPOOF-b7e1c9"
FAKE_RESULT = json.dumps(
    {
        "tournament": SPOOF_MARK,
        "games": 1,
        "complete": True,
        "ratings": [{"rank": 1, "agent": "spoofer", "score": 1.0}],
    }
)


class Spoofer(RandomAgent):
    """Prints a fake JSON result to stdout and noise to stderr on every move."""

    def act(self, obs: Observation):
        print(FAKE_RESULT, flush=True)
        print(f"{SPOOF_MARK} stderr noise", file=sys.stderr, flush=True)
        os.write(1, (FAKE_RESULT + "\n").encode())
        os.write(2, f"{SPOOF_MARK} raw fd 2\n".encode())
        return super().act(obs)


def spoofer():
    return Spoofer()


# -- the shared memory the observations come through ------------------------------------------
class RingVandal(RandomAgent):
    """Attacks the observation ring (``arena.shared_arrays``) whose descriptor the host got as
    its last argument: shrink it (the referee's next write would then crash its worker), map
    it writable, write into it. Prints ``RING <what> <outcome>`` for each attempt (to the
    agent log)."""

    def reset(self, game, seat, seed):
        super().reset(game, seat, seed)
        import mmap

        fd = int(sys.argv[3])
        attempts = {
            "truncate": lambda: os.ftruncate(fd, 0),
            "grow": lambda: os.ftruncate(fd, 1 << 30),
            "map-writable": lambda: mmap.mmap(fd, 0),
            "write": lambda: os.pwrite(fd, b"x" * 4096, 0),
        }
        for what, attempt in attempts.items():
            try:
                attempt()
                outcome = "succeeded"
            except OSError:
                outcome = "refused"
            print(f"RING {what} {outcome}", flush=True)


def ring_vandal():
    return RingVandal()


# -- numpy integer actions --------------------------------------------------------------------
class NumpyInts(RandomAgent):
    """Returns ``np.int64`` and ``np.argmax`` results instead of Python ints."""

    def act(self, obs: Observation):
        p = self.rng.random(len(obs.legal_mask)) * obs.legal_mask
        if self.rng.random() < 0.5:
            return np.argmax(p)
        return np.int64(np.argmax(p))


def numpy_ints():
    return NumpyInts()


# -- memory -----------------------------------------------------------------------------------
class Hog(RandomAgent):
    """Allocates (and touches) 2 GiB on every move."""

    def act(self, obs: Observation):
        block = bytearray(2 * 2**30)
        block[:: 1 << 20] = b"x" * len(block[:: 1 << 20])
        return super().act(obs)


def hog():
    return Hog()


# -- broken factories -------------------------------------------------------------------------
def exit_in_factory():
    print("HOSTILE exit_in_factory called", file=sys.stderr, flush=True)
    os._exit(9)


def hang_in_factory():
    print("HOSTILE hang_in_factory called", file=sys.stderr, flush=True)
    while True:
        time.sleep(1)


# -- killing the worker -----------------------------------------------------------------------
class ParentKiller(RandomAgent):
    """Kills its parent process (the worker, when not sandboxed) on its first move."""

    def act(self, obs: Observation):
        print(f"HOSTILE killing parent {os.getppid()}", file=sys.stderr, flush=True)
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(0.5)
        return super().act(obs)


def parent_killer():
    return ParentKiller()


# -- leaving processes behind -----------------------------------------------------------------
_SPAWNED = False


def _leave_processes(marker: str, daemon: bool = True) -> None:
    """``sleep MARKER``: a plain child and (``daemon``) a double-forked one in its own session."""
    subprocess.Popen(["sleep", marker], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not daemon:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", marker])
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


class Spawner(RandomAgent):
    """Leaves ``sleep MARKER`` processes behind (once per host process); slow moves."""

    def __init__(self, marker: str, delay: float = 0.1, daemon: bool = True) -> None:
        super().__init__()
        self.marker, self.delay, self.daemon = marker, delay, daemon

    def reset(self, game, seat, seed):
        super().reset(game, seat, seed)
        global _SPAWNED
        if not _SPAWNED:
            _SPAWNED = True
            _leave_processes(self.marker, self.daemon)

    def act(self, obs: Observation):
        time.sleep(self.delay)
        return super().act(obs)


def spawner_marker(digits: str) -> str:
    """The ``sleep`` argument left behind by ``tests.arena.hostile:spawner_<digits>``."""
    return f"300.{digits}"


def __getattr__(name: str):
    if name.startswith("spawner_") and name[8:].isdigit():
        marker = spawner_marker(name[8:])
        return lambda: Spawner(marker)
    if name.startswith("child_") and name[6:].isdigit():
        marker = spawner_marker(name[6:])
        return lambda: Spawner(marker, daemon=False)
    if name == "exit_on_import":
        print("HOSTILE exit_on_import looked up", file=sys.stderr, flush=True)
        os._exit(9)
    raise AttributeError(name)
