"""A simple Liar's Dice heuristic speaking the arena's protocol (docs/protocol.md).

Standard library only. It reads its seat's text view (its own dice, every seat's dice count
and the bids so far) and the configuration from `new_game`, then:

* calls Liar when the standing bid asks for more dice than it expects to be on the table
  (its own matching dice plus the expected share of everyone else's);
* otherwise makes the cheapest legal bid on the face it holds most of, if that bid is
  believable, else calls Liar (or, as the opener, makes the cheapest bid).
"""

import json
import re
import sys

PROTOCOL = 1
SEAT_LINE = re.compile(r"^seat (\d+)( \(you\))?: (\d+) di(?:e|ce) \[([^\]]*)\]$")


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def read_view(text: str) -> tuple[list[int], int]:
    """(own dice, dice held by the other seats) from the seat's text view."""
    own, others = [], 0
    for line in text.splitlines():
        match = SEAT_LINE.match(line)
        if match is None:
            continue
        if match.group(2):
            own = [int(d) for d in match.group(4).split()]
        else:
            others += int(match.group(3))
    return own, others


def matches(face: int, die: int, params: dict) -> bool:
    """Whether `die` counts towards a bid on `face` (wild dice count for every face)."""
    wild = {"highest": params["sides"], "ones": 1}.get(params["wild"])
    return die == face or (die == wild and face != wild)


def expected(face: int, own: list[int], others: int, params: dict) -> float:
    """How many dice showing `face` (wilds included) to expect on the table."""
    wild = {"highest": params["sides"], "ones": 1}.get(params["wild"])
    p = 1 / params["sides"] if wild is None or face == wild else 2 / params["sides"]
    return sum(matches(face, d, params) for d in own) + others * p


def choose(request: dict, params: dict) -> int:
    own, others = read_view(request["text"])
    bids = {}
    liar = None
    for action, text in zip(request["legal_actions"], request["legal_strings"], strict=True):
        if text == "Liar":
            liar = action
        else:
            quantity, face = (int(x) for x in text.split("-"))
            bids[action] = (quantity, face)
    standing = re.search(r"bids: .*seat \d+ (\d+)-(\d+)$", request["text"], re.MULTILINE)
    if liar is not None and standing is not None:
        quantity, face = int(standing.group(1)), int(standing.group(2))
        if quantity > expected(face, own, others, params) + 0.5:
            return liar
    if bids:
        faces = range(1, params["sides"] + 1)
        best_face = max(faces, key=lambda f: expected(f, own, others, params))
        on_face = [(q, a) for a, (q, f) in bids.items() if f == best_face]
        if on_face:
            quantity, action = min(on_face)
            if quantity <= expected(best_face, own, others, params) + 0.5 or liar is None:
                return action
    if liar is not None:
        return liar
    return min(bids, key=lambda a: bids[a])


def main() -> None:
    params: dict[str, dict] = {}
    for line in sys.stdin:
        message = json.loads(line)
        kind = message["type"]
        if kind == "hello":
            claims = [{"game": "liars_dice", "params": {"wild": ["highest", "ones", "none"]}}]
            send(
                {
                    "type": "hello",
                    "protocol": PROTOCOL,
                    "name": "heuristic-py",
                    "games": claims,
                    "tensor": False,
                }
            )
        elif kind == "new_game":
            params[message["game_id"]] = message["params"]
        elif kind == "act":
            actions = [choose(r, params[r["game_id"]]) for r in message["requests"]]
            send({"type": "actions", "actions": actions})
        elif kind == "end_game":
            params.pop(message["game_id"], None)
        elif kind == "quit":
            return


if __name__ == "__main__":
    main()
