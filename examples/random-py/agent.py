"""A random agent speaking the arena's protocol (docs/protocol.md), standard library only.

Every game gets its own generator, seeded with the game's seed, so the same seeds give the
same games: `random.Random(seed).choice(legal_actions)` at each move.
"""

import json
import random
import sys

PROTOCOL = 1


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    games: dict[str, random.Random] = {}
    for line in sys.stdin:
        message = json.loads(line)
        kind = message["type"]
        if kind == "hello":
            # any configuration of both games; the observation tensor and text are not needed
            claims = [{"game": "liars_dice"}, {"game": "skull"}]
            send(
                {
                    "type": "hello",
                    "protocol": PROTOCOL,
                    "name": "random-py",
                    "games": claims,
                    "tensor": False,
                    "text": False,
                }
            )
        elif kind == "new_game":
            games[message["game_id"]] = random.Random(message["seed"])
        elif kind == "act":
            actions = [games[r["game_id"]].choice(r["legal_actions"]) for r in message["requests"]]
            send({"type": "actions", "actions": actions})
        elif kind == "end_game":
            games.pop(message["game_id"], None)
        elif kind == "quit":
            return


if __name__ == "__main__":
    main()
