"""The agent package format: ``agent.json`` + ``actor.safetensors`` (no pickle, ever).

A package is a directory (or a ``.zip`` of one, flat or with one top-level directory) holding:

* ``agent.json`` — the manifest (:class:`PackageManifest`), a JSON object with exactly the
  fields ``format`` (``"bluff-arena-agent/1"``), ``name``, ``game``, ``params`` (the COMPLETE
  parameters of the configuration it plays), ``method`` (``ctde``, ``cadp``, ``ctedd``, ...),
  ``architecture`` (:meth:`agents.neural.ActorConfig.to_json`), ``observation_encoding``,
  ``training`` (an object with at least ``steps``, ``seed`` and ``config``), ``evaluation``
  (an object, free form), ``weights_sha256`` and ``created`` (ISO 8601);
* ``actor.safetensors`` — the actor's parameters only (float32, keys of
  :meth:`agents.neural.ActorConfig.parameter_shapes`).

Loading validates everything and refuses, with a :class:`PackageError` naming the package, the
file and the problem, anything that does not match: the manifest's fields and types, the game
and its parameters (through :func:`games.make`), the observation encoding and the sizes of the
current game, the sha256 of the weights, and the exact tensor names, dtypes and shapes. Weights
are parsed by ``safetensors`` only; a ``.zip`` is read in memory, never extracted, and refused
when a member could escape its directory.

One module per job: :mod:`~agents.package.files` (reading and writing the files, zip safety),
:mod:`~agents.package.manifest` (``agent.json``), :mod:`~agents.package.weights` (the tensors;
load and save), :mod:`~agents.package.sets` (a directory of packages, one per configuration)
and :mod:`~agents.package.specs` (paths and ``zoo:NAME`` as agent specs: the resolver that
:func:`agents.base.resolve` asks). Nothing here imports torch until a package is actually read.
"""

from agents.package.files import (
    MANIFEST_FILE,
    MAX_FILE_BYTES,
    MAX_ZIP_MEMBERS,
    WEIGHTS_FILE,
    PackageError,
)
from agents.package.manifest import (
    FORMAT,
    TRAINING_KEYS,
    PackageManifest,
    read_manifest,
)
from agents.package.sets import PackageSetAgent, is_package, open_agent, sub_packages
from agents.package.specs import looks_like_path, resolve_spec, zoo_names
from agents.package.weights import load_package, save_package

__all__ = [
    "FORMAT",
    "MANIFEST_FILE",
    "MAX_FILE_BYTES",
    "MAX_ZIP_MEMBERS",
    "TRAINING_KEYS",
    "WEIGHTS_FILE",
    "PackageError",
    "PackageManifest",
    "PackageSetAgent",
    "is_package",
    "load_package",
    "looks_like_path",
    "open_agent",
    "read_manifest",
    "resolve_spec",
    "save_package",
    "sub_packages",
    "zoo_names",
]
