"""Image augmentation (``ma.image``): OpenCV kernels, masks, boxes and keypoints move together.

Importing this module imports OpenCV. OpenCV runs its own thread pool; in
DataLoader workers call ``cv2.setNumThreads(1)`` in ``worker_init_fn`` (multiaug
never changes global thread settings for you).
"""

from . import _validate  # noqa: F401  (registers the image field checks)
from .base import ImageTransform, SpatialTransform
from .geometric import HorizontalFlip, RandomCrop, VerticalFlip
from .noise import GaussianNoise

__all__ = [
    "GaussianNoise",
    "HorizontalFlip",
    "ImageTransform",
    "RandomCrop",
    "SpatialTransform",
    "VerticalFlip",
]
