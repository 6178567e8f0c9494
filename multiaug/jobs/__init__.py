"""Dataset jobs: augment a whole folder or manifest on disk (``multiaug augment``).

A job turns a dataset (see :func:`multiaug.data.scan_dataset`) and a saved pipeline into
augmented files, a Parquet manifest and a run record:

* **Work units.** Copy ``c`` of an item is the keyed call
  ``pipeline(**sample, key=item_key(item_id, c), epoch=0)``
  (:func:`multiaug.sampling.item_key`), the item's identity being its manifest ``id``, else
  its path relative to the input root, else (inline text) its row ``row{i}`` — so each unit
  is a pure function of the pipeline, its seed and the item, whoever computes it, and other
  items coming or going never move it. ``copies=N`` gives every item ``N`` copies;
  ``balance=True`` gives the minority classes the copies ``Oversample`` would add.
* **Same bytes everywhere.** Units are grouped into chunks whose size depends only on the
  number of units; every output file, and the manifest (sorted by item and copy), is the same
  for one worker, a local process pool or a Dask cluster.
* **Nothing lost.** Every file is written to a temporary name and renamed into place; a
  finished chunk leaves a record under ``OUTPUT/.multiaug/chunks``. Running the same job
  again skips finished chunks and redoes the rest, so an interrupted job (Ctrl-C, ``kill -9``)
  completes with the same final outputs. A folder holding another job's outputs (another
  pipeline fingerprint, seed, copy count or input location) is refused unless ``force=True``;
  a changed listing (a bad file deleted) resumes, computing only the units not yet done.
* **Growing datasets.** ``update=True`` (``--update``) also redoes items whose content digest
  changed; outputs of items that are gone are removed and every other file is left untouched.
* **Bad items first.** Every item is checked (exists inside the input, decodes) before any
  work: ``on_error="stop"`` refuses the job and writes nothing, ``"skip"`` lists the bad
  items in ``skipped.json`` and leaves every other output as it would be.
* **Text manifests** (a CSV/Parquet manifest with a ``text`` column) become one table,
  ``texts.parquet`` (or ``texts.csv``): one row per copy beside the manifest's columns, made
  in chunks, so memory follows the chunk, not the data set (:mod:`.texts`).
* **Tables** (a CSV/Parquet manifest with feature columns) go through the pipeline's
  ``fit_resample`` in the calling process: a sampler config (``ma.tabular.SMOTE``...)
  balances the classes, a transform config (``ma.tabular.GaussianNoise``) adds copies.

The local engine uses a ``spawn`` process pool (``workers`` processes, one OpenCV thread
each); the Dask engine submits the same chunks to a ``dask.distributed`` cluster (a
``LocalCluster`` of ``workers`` single-threaded processes, started for the job, unless a
scheduler address is given). On a multi-machine cluster the input and output folders must be
on a filesystem every worker sees.

The package, by idea: :mod:`.items` (work units, output names, checks, job identity),
:mod:`.chunk` (one chunk of units, as a worker computes it), :mod:`.engines` (local process
pool, Dask), :mod:`.manifest` (the job state, resume, the manifest and run record),
:mod:`.tables` (tabular jobs), :mod:`.texts` (text manifests, into one table) and :mod:`.job`
(:func:`augment`, stage by stage).
"""

from __future__ import annotations

# The other module-level names of the former ``multiaug/jobs.py`` stay importable from here.
from .chunk import run_chunk as run_chunk
from .engines import run_chunks as run_chunks
from .items import chunk_size_for
from .job import augment
from .manifest import MANIFEST as MANIFEST
from .manifest import RUN_FILE as RUN_FILE
from .manifest import SKIPPED as SKIPPED
from .manifest import STATE_DIR as STATE_DIR
from .manifest import AugmentResult, JobWarning

__all__ = ["AugmentResult", "JobWarning", "augment", "chunk_size_for"]
