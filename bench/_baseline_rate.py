"""Training decisions/s of one config, with the ``trainers`` of whatever revision is first on
``sys.path`` (``bench/train.py --baseline REV`` runs it in an export of REV).

Only the API that every revision since fcf8352 (the code issue 13 measured) has is used:
``load_config``, ``get_method`` (an entry holding the method, before the training loop was
split), ``build_run`` and ``update_once`` (in ``trainers.loop`` then). Each revision runs the
config as it would: its own defaults (one torch thread at fcf8352), engines and collection.

    python bench/_baseline_rate.py CONFIG UPDATES [OVERRIDE ...]   # prints decisions/s
"""

import json
import sys
import time

import torch

from trainers.config import load_config
from trainers.methods import get_method

try:
    from trainers.run import build_run
    from trainers.update import update_once
except ImportError:  # before the loop was split
    from trainers.loop import build_run, update_once


def main() -> None:
    """Print the decisions/s of ``updates`` updates of the config (after one to warm up)."""
    config, updates, overrides = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    cfg = load_config(config, overrides)
    torch.set_num_threads(cfg.threads)
    method = get_method(cfg.method)
    method = getattr(method, "method", method)  # an entry holding the method, before the split
    run = build_run(cfg, method)
    update_once(run, method)
    start, decisions = time.perf_counter(), run.decisions
    for _ in range(updates):
        update_once(run, method)
    print(json.dumps((run.decisions - decisions) / (time.perf_counter() - start)))


if __name__ == "__main__":
    main()
