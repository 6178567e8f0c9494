"""Image augmentation (``ma.image``): OpenCV kernels, masks, boxes and keypoints move together.

Importing this module imports OpenCV. OpenCV runs its own thread pool; in
DataLoader workers call ``cv2.setNumThreads(1)`` in ``worker_init_fn`` (multiaug
never changes global thread settings for you).
"""

from . import (
    _validate,  # noqa: F401  (registers the image field checks)
    base,
    boxes,
    channels,
    colour,
    convert,
    erasing,
    filters,
    geometric,
    lighting,
    mix,
    noise,
    policies,
    quality,
    sanitize,
    weather,
)
from .base import *  # noqa: F403
from .boxes import *  # noqa: F403
from .channels import *  # noqa: F403
from .colour import *  # noqa: F403
from .convert import *  # noqa: F403
from .erasing import *  # noqa: F403
from .filters import *  # noqa: F403
from .geometric import *  # noqa: F403
from .lighting import *  # noqa: F403
from .mix import *  # noqa: F403
from .noise import *  # noqa: F403
from .policies import *  # noqa: F403
from .quality import *  # noqa: F403
from .sanitize import *  # noqa: F403
from .weather import *  # noqa: F403

__all__ = sorted(
    {
        *base.__all__,
        *boxes.__all__,
        *channels.__all__,
        *colour.__all__,
        *convert.__all__,
        *erasing.__all__,
        *filters.__all__,
        *geometric.__all__,
        *lighting.__all__,
        *mix.__all__,
        *noise.__all__,
        *policies.__all__,
        *quality.__all__,
        *sanitize.__all__,
        *weather.__all__,
    }
)
