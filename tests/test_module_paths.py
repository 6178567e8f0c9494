"""The module-level names of the former ``jobs.py``, ``demo.py``, ``report.py`` and ``torch.py`` stay
importable from their packages (issue 14 split each module into a package)."""

from __future__ import annotations

import importlib

import pytest

FORMER_NAMES = {
    "multiaug.jobs": [
        "STATE_DIR",
        "MANIFEST",
        "RUN_FILE",
        "SKIPPED",
        "AugmentResult",
        "chunk_size_for",
        "run_chunk",
        "run_chunks",
        "augment",
    ],
    "multiaug.demo": [
        "TEXTS",
        "SPEECH",
        "PAGODA_BOX",
        "FLOWER_BOX",
        "PHOTO_CLASSES",
        "KEYS",
        "load_sample_photo",
        "load_demo_speech",
        "load_demo_table",
        "image_pipeline",
        "demo_pipeline",
        "text_pipeline",
        "audio_pipeline",
        "write_demo_dataset",
        "run_demo",
    ],
    "multiaug.report": [
        "data_uri",
        "encode_image",
        "image_tag",
        "audio_player",
        "pre",
        "table",
        "flag",
        "word_diff",
        "bar_chart",
        "section",
        "html_page",
    ],
    "multiaug.torch": ["worker_init_fn", "KeyedBatch", "AugmentedDataset", "MixCollate"],
}
#: Public names a package gained after the split (issue 16: the batched path; issue 26: streams).
ADDED_NAMES = {
    "multiaug.torch": [
        *("batched", "BatchedPipeline", "BatchDraws"),
        *("AugmentedIterableDataset", "current_shard"),
    ],
    "multiaug.jobs": ["JobWarning"],  # issue 22: a resumed job kept outputs of other library versions
}


@pytest.mark.parametrize("module", sorted(FORMER_NAMES))
def test_former_module_level_names_import(module: str) -> None:
    mod = importlib.import_module(module)
    missing = [name for name in FORMER_NAMES[module] if not hasattr(mod, name)]
    assert not missing
    assert set(mod.__all__) <= {*FORMER_NAMES[module], *ADDED_NAMES.get(module, [])}
    assert all(hasattr(mod, name) for name in mod.__all__)


def test_the_report_helpers_are_the_demo_packages() -> None:
    from multiaug import report
    from multiaug.demo import report as demo_report

    assert report.__all__ == demo_report.__all__
    assert all(getattr(report, n) is getattr(demo_report, n) for n in report.__all__)
