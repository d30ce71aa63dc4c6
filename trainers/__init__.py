"""Trainers: self-play learning of decentralized actors (CTDE, CADP, CTEDD).

The network calls run on ``TrainConfig.threads`` torch threads (2 by default); the PPO update
runs the actor's and the critic's epochs side by side on half of them each
(:func:`trainers.ppo.ppo_update`). On a machine shared
with other work, OpenMP threads that spin while they wait for each other can make two threads
ten times slower than one (measured on the 2-core reference machine under load: 200 against
2,000 decisions/s on the duel; waiting passively, two threads were as fast as one or faster).
So, unless the user chose otherwise, OpenMP waits passively in processes that import
``trainers`` before ``torch`` (``arena train``, ``bench/train.py``): the variable is read when
torch loads its OpenMP.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
