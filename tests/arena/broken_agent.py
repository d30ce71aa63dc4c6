"""Programs that break the protocol of docs/protocol.md, one way each (the first argument).

``silent``: never answers the handshake; ``garbage``: answers ``act`` with a line that is not
JSON; ``illegal``: plays an action that is not legal; ``slow``: sleeps before each answer;
``exits``: exits at its first ``act``; ``flood``: answers ``act`` with an endless line;
``stray``: prints a chatty line before each answer; ``stubborn``: ignores ``quit``.
Otherwise it plays the lowest legal action.
"""

import json
import sys
import time

MODE = sys.argv[1]


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    for line in sys.stdin:
        message = json.loads(line)
        kind = message["type"]
        if kind == "hello":
            if MODE == "silent":
                time.sleep(3600)
            send(
                {
                    "type": "hello",
                    "protocol": 1,
                    "name": f"broken-{MODE}",
                    "games": [{"game": "liars_dice"}, {"game": "skull"}],
                }
            )
        elif kind == "act":
            if MODE == "garbage":
                sys.stdout.write("I think I will bid three fives\n")
                sys.stdout.flush()
                continue
            if MODE == "exits":
                sys.exit(5)
            if MODE == "flood":
                while True:
                    sys.stdout.write("x" * 65536)
            if MODE == "slow":
                time.sleep(30)
            if MODE == "stray":
                sys.stdout.write("thinking...\n")
            actions = [r["legal_actions"][0] for r in message["requests"]]
            if MODE == "illegal":
                actions = [999 for _ in actions]
            send({"type": "actions", "actions": actions})
        elif kind == "quit" and MODE != "stubborn":
            return
    if MODE == "stubborn":
        time.sleep(3600)


if __name__ == "__main__":
    main()
