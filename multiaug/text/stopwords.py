"""The English stopword list: words the word edits never touch by default.

Function words carry grammar, not content: replacing them gives nlpaug's
``an`` -> ``associate in nursing``, swapping or deleting them mostly breaks the
sentence. The list is the usual one (articles, pronouns, auxiliaries,
prepositions, conjunctions and their contractions), written out here so that no
corpus download is ever needed.
"""

from __future__ import annotations

__all__ = ["ENGLISH_STOPWORDS"]

_WORDS = """
    a about above after again against ain all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't d did didn't do does doesn't doing
    don't down during each few for from further had hadn't has hasn't have haven't having he he'd he'll
    he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't
    it it's its itself just let's ll m ma me might mightn't more most must mustn't my myself needn't no
    nor not now o of off on once only or other ought our ours ourselves out over own re s same shall
    shan't she she'd she'll she's should should've shouldn't so some such t than that that'll that's the
    their theirs them themselves then there there's these they they'd they'll they're they've this those
    through to too under until up upon us ve very was wasn't we we'd we'll we're we've were weren't what
    what's when when's where where's which while who who's whom why why's will with won't would
    wouldn't y you you'd you'll you're you've your yours yourself yourselves
    """.split()
#: Lower case; contractions with both the straight and the typographic apostrophe.
ENGLISH_STOPWORDS: frozenset[str] = frozenset(_WORDS) | {w.replace("'", "\u2019") for w in _WORDS if "'" in w}
