"""Counter-based random streams.

A call's randomness is a pure function of ``(seed, key, epoch)`` and, for each
transform, of its position in the pipeline tree. Stream keys are 64-bit
integers mixed with SplitMix64's finaliser (pure integer arithmetic, identical
on every platform and process; Python's salted ``hash()`` is never used). A
NumPy :class:`~numpy.random.Generator` on a :class:`~numpy.random.Philox`
counter-based bit generator is built from a stream key only when a transform
actually draws parameters, because constructing one costs about 10 µs while
deriving a key costs well under 1 µs.
"""

from __future__ import annotations

import hashlib
import numbers
import operator
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError
from .validation import require_int

if TYPE_CHECKING:  # NumPy is imported on first use, keeping `import multiaug` light
    import numpy as np

__all__ = [
    "TAGS",
    "applies",
    "check_epoch",
    "generator",
    "key_to_int",
    "mix",
    "name_salt",
    "root_key",
    "seed_to_int",
    "uniform",
]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15

#: Domain tags: every use of a stream key or seed mixes in its own constant (the ASCII of its
#: name), so no two uses draw the same numbers. All of them live here; a test checks that they
#: are distinct. Changing one changes every output that depends on it.
TAGS: dict[str, int] = {
    "keyed": 0x6B657965645F6361,  # a keyed call
    "unkeyed": 0x756E6B657965645F,  # the n-th unkeyed call of a seeded pipeline
    "p_draw": 0x705F647261770000,  # the apply/skip decision
    "rng_hi": 0x726E675F68690000,  # Philox key, high word
    "rng_lo": 0x726E675F6C6F0000,  # Philox key, low word
    "choice": 0x63686F6963650000,  # OneOf's pick
    "subset": 0x7375627365740000,  # SomeOf's count
    "order": 0x6F76657273616D70,  # Oversample: the row order of a class
    "imblearn": 0x696D626C6561726E,  # the random_state handed to an imbalanced-learn sampler
    "split": 0x73706C6974000000,  # SplitGuard.split's assignment
    "minhash": 0x6D696E6861736800,  # the guard's text MinHash permutations
    "audio": 0x617564696F000000,  # the guard's audio fingerprint projection
    "batch_noise": 0x62617463686E6F69,  # the batched (torch) noise generator's keys from a noise seed
}
_KEYED = TAGS["keyed"]
_UNKEYED = TAGS["unkeyed"]
_P_DRAW = TAGS["p_draw"]
_RNG_HI = TAGS["rng_hi"]
_RNG_LO = TAGS["rng_lo"]
# The constant first terms of the mixes written out below, folded once: mix(x, b) starts with
# (x + _GOLDEN * (b + 1)) & _MASK, which is (x + (_GOLDEN * (b + 1) & _MASK)) & _MASK.
_ADD_KEY = _GOLDEN * 0x6A & _MASK  # mix(key, 0x69)
_ADD_LO = _GOLDEN * (_RNG_LO + 1) & _MASK
_ADD_HI = _GOLDEN * (_RNG_HI + 1) & _MASK
_ADD_P = _GOLDEN * (_P_DRAW + 1) & _MASK


def mix(a: int, b: int) -> int:
    """Combine two 64-bit integers into a well-mixed 64-bit integer (SplitMix64)."""
    z = (a + _GOLDEN * (b + 1)) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _digest(tag: bytes, payload: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(tag + payload, digest_size=8).digest(), "little")


def seed_to_int(seed: object, owner: str = "seed") -> int:
    """Map a user seed (non-negative int, or None for fresh OS entropy) to 64 bits."""
    if seed is None:
        return secrets.randbits(64)
    value = require_int(
        owner, "seed", seed, 0, None, "pass an int such as seed=42 (or None for a fresh random seed)"
    )
    if value <= _MASK:
        return mix(value, 0)
    return _digest(b"seed:", str(value).encode())


def key_to_int(key: object, owner: str = "call") -> int:
    """Map a call key (int or str) to 64 bits; ``1`` and ``"1"`` are different keys."""
    if type(key) is int and 0 <= key <= _MASK:  # fast path of the common case
        return mix(key, 0x69)
    if isinstance(key, str):
        return _digest(b"s:", key.encode("utf-8", "surrogatepass"))
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        value = operator.index(key)
        if 0 <= value <= _MASK:
            return mix(value, 0x69)
        return _digest(b"i:", str(value).encode())
    raise InvalidInputError(
        owner,
        "key",
        f"must be an int or a str, got {type(key).__name__}",
        "pass the sample's index or id, e.g. key=17 or key='img_0017.jpg'",
    )


_MAX_EPOCH = 2**63


def check_epoch(owner: str, epoch: object) -> int:
    """``epoch`` as an int in ``[0, 2**63)`` (the one epoch check: calls, datasets, jobs)."""
    if type(epoch) is int and 0 <= epoch < _MAX_EPOCH:
        return epoch
    return require_int(owner, "epoch", epoch, 0, _MAX_EPOCH, "pass epoch=0, 1, 2, ... (count epochs from 0)")


def root_key(seed64: int, key: object, epoch: object, counter: int, owner: str) -> int:
    """The stream key of one call.

    With ``key`` given the result depends only on ``(seed, key, epoch)``; without
    it, on ``(seed, counter, epoch)`` where ``counter`` numbers the object's calls.
    """
    if type(key) is int and type(epoch) is int and 0 <= key <= _MASK and 0 <= epoch < _MAX_EPOCH:
        # The common case: mix(mix(seed64 ^ _KEYED, mix(key, 0x69)), epoch), the three
        # SplitMix64 rounds written out (a third faster than three calls of mix).
        m, g = _MASK, _GOLDEN
        z = (key + _ADD_KEY) & m
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        z = ((seed64 ^ _KEYED) + g * ((z ^ (z >> 31)) + 1)) & m
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        z = (z ^ (z >> 31)) + g * (epoch + 1) & m
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        return z ^ (z >> 31)
    e = check_epoch(owner, epoch)
    if key is None:
        return mix(mix(seed64 ^ _UNKEYED, counter), e)
    return mix(mix(seed64 ^ _KEYED, key_to_int(key, owner)), e)


def name_salt(name: str, occurrence: int) -> int:
    """Salt of a child position: its registry name and its rank among same-named siblings.

    Naming positions this way (rather than by bare index) means inserting or
    removing a transform of another kind leaves every other transform's stream
    unchanged.
    """
    return _digest(b"pos:", f"{name}#{occurrence}".encode())


def uniform(stream: int) -> float:
    """A uniform float in [0, 1) for the apply/skip decision of a stream (53 bits)."""
    # (mix(stream, _P_DRAW) >> 11) * 2**-53, the mix written out (every call with p < 1 runs it)
    m = _MASK
    z = (stream + _ADD_P) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return ((z ^ (z >> 31)) >> 11) * (1.0 / 9007199254740992.0)


_make_generator: Callable[[int, int], np.random.Generator] | None = None


def _generator_factory() -> Callable[[int, int], np.random.Generator]:
    """Build the Philox factory on first use (keeps NumPy out of ``import multiaug``).

    ``Philox(key=...)`` still creates a ``SeedSequence`` that reads OS entropy on every
    construction; handing it an ``ISeedSequence`` that returns the key itself gives the
    identical generator (same draws as ``Philox(key=hi << 64 | lo)``) at a third of the cost.
    """
    import numpy as np
    from numpy.random.bit_generator import ISeedSequence

    class _Key(ISeedSequence):
        __slots__ = ("words",)

        def __init__(self, words: np.ndarray) -> None:
            self.words = words

        def generate_state(self, n_words: int, dtype: object = np.uint32) -> np.ndarray:
            return self.words

    Generator, Philox, array, uint64 = np.random.Generator, np.random.Philox, np.array, np.uint64

    def make(lo: int, hi: int) -> np.random.Generator:
        # numpy's stubs name only SeedSequence, but Philox accepts any ISeedSequence
        return Generator(Philox(_Key(array([lo, hi], dtype=uint64))))  # type: ignore[arg-type]

    return make


def applies(p: float, stream: int) -> bool:
    """The apply/skip decision of a node with probability ``p`` on ``stream`` (the one rule for all)."""
    if p >= 1.0:
        return True
    if p <= 0.0 or p != p:  # NaN: never (as before the mix was written out)
        return False
    m = _MASK  # uniform(stream) < p, written out
    z = (stream + _ADD_P) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return ((z ^ (z >> 31)) >> 11) * (1.0 / 9007199254740992.0) < p


# Generators lent to ``make_params`` (see :func:`borrow`): (generator, its key words, its state dict).
_POOL: list[tuple[Any, list[int], dict[str, Any]]] = []


def borrow(stream: int) -> tuple[np.random.Generator, list[int], dict[str, Any]]:
    """Lend a generator in the state :func:`generator` would build for ``stream`` (same draws).

    Re-keying a pooled Philox (its state setter) costs a third of building one; the state
    dict holds Python ints, which the setter reads twice as fast as NumPy arrays' items.
    The generator is only valid until :func:`give_back`; ``Transform._run`` lends one for
    the duration of ``make_params``. Each borrower gets its own (a nested borrow pops another).
    """
    try:
        item = _POOL.pop()
    except IndexError:
        key = [0, 0]
        state = {
            "bit_generator": "Philox",
            "state": {"counter": [0, 0, 0, 0], "key": key},
            "buffer": [0, 0, 0, 0],
            "buffer_pos": 4,
            "has_uint32": 0,
            "uinteger": 0,
        }
        item = (generator(0), key, state)
    g, key, state = item
    # mix(stream, _RNG_LO) and mix(stream, _RNG_HI), written out (this runs on every random call)
    m = _MASK
    z = (stream + _ADD_LO) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    key[0] = z ^ (z >> 31)
    z = (stream + _ADD_HI) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    key[1] = z ^ (z >> 31)
    g.bit_generator.state = state
    return item


def give_back(item: tuple[np.random.Generator, list[int], dict[str, Any]]) -> None:
    """Return a generator lent by :func:`borrow`."""
    _POOL.append(item)


def generator(stream: int) -> np.random.Generator:
    """A fresh Philox generator whose 128-bit key is derived from ``stream``."""
    global _make_generator
    if _make_generator is None:
        _make_generator = _generator_factory()
    return _make_generator(mix(stream, _RNG_LO), mix(stream, _RNG_HI))
