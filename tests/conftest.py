import os

from hypothesis import HealthCheck, settings

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
