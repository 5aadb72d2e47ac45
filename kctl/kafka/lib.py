"""How kctl loads confluent_kafka: the C client (confluent_kafka.cimpl), its small _model module
and confluent_kafka.admin, without running the package's __init__.

Why: `import confluent_kafka` runs confluent_kafka/__init__.py, which imports the serializing
producer and the deserializing consumers and, through them, asyncio, ssl and the serde machinery:
~135 ms of which ~90 ms is asyncio on these machines, paid by every short kctl command although
kctl uses only the C extension, _model (TopicCollection, ConsumerGroupTopicPartitions...) and
confluent_kafka.admin (whose own imports are cimpl, _model, _util and `from confluent_kafka import`
of three _model names). So kctl puts a light package module in sys.modules under the real name,
with the real package directory as its __path__ (submodules load from the installed files as
usual) and the names of cimpl and _model on it. Anything else asked of it (DeserializingConsumer,
_resolve_plugins for plugin.library.paths, ThrottleEvent, __all__...) runs the real __init__ into
the same module first (PEP 562 __getattr__): code in the same process that imports confluent_kafka
itself still finds the whole package.

Only the kctl command does this (`kctl.__main__.main` calls `allow_light_import()`): a user's program
that imports `kctl.client` gets the plain `import confluent_kafka`, and nothing of kctl in its
sys.modules or sys.meta_path. The plain import is also used when the package was imported already,
when its layout is not what this expects (a newer confluent-kafka), or when
KCTL_PLAIN_CONFLUENT_IMPORT=1 (the tests run the CLI's integration paths both ways).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
import threading
import types

PLAIN_IMPORT_ENV = "KCTL_PLAIN_CONFLUENT_IMPORT"
PACKAGE = "confluent_kafka"

# Serialises the first load between threads (a Temporal worker's activities): a half-built module
# in sys.modules must not be seen by a second thread. A lock, not state: nothing is recorded here.
_LOAD_LOCK = threading.RLock()
# Set by the kctl command only: a library user's process keeps the real package (see the docstring).
_light_allowed = False


def allow_light_import() -> None:
    """Lets this process load the light package: the kctl command's own process only."""
    global _light_allowed
    _light_allowed = True


def confluent() -> types.ModuleType:
    """The confluent_kafka package (light when kctl loaded it first; see the module docstring)."""
    module = sys.modules.get(PACKAGE)
    if module is not None:
        return module
    with _LOAD_LOCK:
        module = sys.modules.get(PACKAGE)
        if module is not None:
            return module
        if _light_allowed and os.environ.get(PLAIN_IMPORT_ENV, "") not in ("1", "true", "yes"):
            try:
                return _load_light()
            except Exception:  # noqa: BLE001 - an unexpected layout: forget the attempt, import plainly
                for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
                    del sys.modules[name]
        return importlib.import_module(PACKAGE)


def confluent_admin() -> types.ModuleType:
    """confluent_kafka.admin (AdminClient, NewTopic, ConfigResource, OffsetSpec...)."""
    confluent()
    return importlib.import_module(PACKAGE + ".admin")


def confluent_module(name: str) -> types.ModuleType:
    """A confluent_kafka submodule beyond the client and admin (schema_registry, serialization...):
    those need the whole package, so its real __init__ runs first."""
    package = confluent()
    if is_light(package):
        package.__all__  # noqa: B018 - reading it completes the package (see _completer)
    return importlib.import_module(f"{PACKAGE}.{name}")


def is_light(module: types.ModuleType) -> bool:
    """True while `module` is the light package (its real __init__ has not run)."""
    return getattr(module, "__kctl_light__", False)


# What the light package serves without its __init__: the C client, _model and the admin package.
LIGHT_SUBMODULES = tuple(f"{PACKAGE}.{name}" for name in ("cimpl", "_model", "_util", "admin"))


class _CompleteBeforeSubmodules(importlib.abc.MetaPathFinder):
    """`import confluent_kafka.schema_registry` (or .serialization, .error...) in a process where kctl
    loaded the light package: those submodules import each other in the order the real __init__
    sets up (serialization <-> error), so the package is completed first. Finds nothing itself."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(PACKAGE + ".") and not fullname.startswith(LIGHT_SUBMODULES):
            module = sys.modules.get(PACKAGE)
            if module is not None and is_light(module):
                module.__all__  # noqa: B018 - reading it completes the package (see _completer)
        return None


def _load_light() -> types.ModuleType:
    if not any(isinstance(finder, _CompleteBeforeSubmodules) for finder in sys.meta_path):
        sys.meta_path.insert(0, _CompleteBeforeSubmodules())
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations or spec.loader is None:
        raise ImportError(f"{PACKAGE} is not a package here")
    module = importlib.util.module_from_spec(spec)  # __path__, __file__, __spec__ of the real package
    module.__kctl_light__ = True
    module.__getattr__ = _completer(module, spec)
    sys.modules[PACKAGE] = module
    cimpl = importlib.import_module(PACKAGE + ".cimpl")
    model = importlib.import_module(PACKAGE + "._model")
    for source in (cimpl, model):
        for name in dir(source):
            if not name.startswith("_") and not isinstance(getattr(source, name), types.ModuleType):
                setattr(module, name, getattr(source, name))
    module.cimpl, module._model = cimpl, model
    for name in ("Producer", "Consumer", "KafkaError", "KafkaException", "TopicPartition",
                 "TopicCollection", "ConsumerGroupTopicPartitions", "ConsumerGroupState", "IsolationLevel"):
        getattr(module, name)  # what kctl and confluent_kafka.admin take from the package: fail here, not later
    return module


def _completer(module: types.ModuleType, spec):
    def __getattr__(name: str):
        # A name the light module lacks: run the package's real __init__ into it, once.
        if name.startswith("__") and name not in ("__all__", "__version__"):
            raise AttributeError(name)
        with _LOAD_LOCK:
            if module.__dict__.get("__kctl_light__"):
                module.__kctl_light__ = False
                spec.loader.exec_module(module)
        try:
            return module.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None

    return __getattr__


def library_versions() -> tuple[str, str]:
    """(confluent-kafka's version, librdkafka's version) of the loaded binding."""
    package = confluent()
    binding = package.version()  # a string in both the package and cimpl (libversion is a tuple)
    return (binding[0] if isinstance(binding, tuple) else binding), package.libversion()[0]
