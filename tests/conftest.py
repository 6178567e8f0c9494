import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# multiaug.testing.text.SHARED_TINY_MODELS (not imported here: multiaug.testing imports scikit-learn)
SHARED_TINY_MODELS = "MULTIAUG_TINY_MODELS"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
# Keras 3 runs on the torch backend here (TensorFlow is not installed)
os.environ.setdefault("KERAS_BACKEND", "torch")

# CI explores the same examples on every run (a failure there is reproducible, never flaky);
# local runs draw new examples each time and so keep finding new edge cases.
# No deadline and no too_slow health check: both measure wall-clock time, which a busy machine
# stretches, so they would make a test's result depend on the load instead of on the code.
LOAD_INDEPENDENT = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "print_blob": True}
settings.register_profile("ci", derandomize=True, **LOAD_INDEPENDENT)
settings.register_profile("dev", **LOAD_INDEPENDENT)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_configure(config: pytest.Config) -> None:
    """One folder of tiny test models (MarianMT, BERT) for the whole run.

    Set by the process that starts the run, before pytest-xdist starts its workers: they, and the
    child processes tests start with this environment (the fuzz families, the examples), build each
    model once between them instead of once each (``multiaug.testing.text._built_once``).
    """
    if hasattr(config, "workerinput") or os.environ.get(SHARED_TINY_MODELS):
        return
    folder = tempfile.mkdtemp(prefix="multiaug-tiny-models-")
    os.environ[SHARED_TINY_MODELS] = folder
    config.add_cleanup(lambda: (os.environ.pop(SHARED_TINY_MODELS, None), shutil.rmtree(folder, True)))


@pytest.hookimpl(trylast=True)  # after -m/-k deselected: worksteal cuts what is left
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each pytest-xdist worker's share of the long tests first (``tests/durations.py``).

    Every worker lays out the same collection the same way (the file is read, not measured), as
    pytest-xdist requires; without xdist the long tests simply come first.
    """
    from tests.durations import layout, load

    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    items[:] = layout(items, load(), workers, key=lambda item: item.nodeid)
