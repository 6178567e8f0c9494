"""Keras 3 integration: :class:`ImageDataset`, a ``keras.utils.PyDataset`` of keyed, augmented batches.

``ma.keras.ImageDataset(directory, pipeline, batch_size=32, validation_split=0.2, subset="training",
seed=0)`` reads a folder of class sub-folders (or a dataframe of paths and classes) as
``keras.utils.image_dataset_from_directory`` does, augments the training subset with keyed calls
(key: the image's relative path; epoch: advanced by Keras' ``on_epoch_end``) and never augments the
validation subset (``pipeline.inference()``). Keras must find its backend when this module is first
imported: set ``KERAS_BACKEND`` (``"torch"``, ``"jax"`` or ``"tensorflow"``) before that.
"""

from __future__ import annotations

from .dataset import ImageDataset

__all__ = ["ImageDataset"]
