"""Every web test starts with no cached figures or renders (`thuocdo.web.cache.forget`).

Renders are keyed by data versions, which only notices move; a test's rolled-back data must not be
served to the next test under the same versions (with Redis, to the next run either).
"""

import pytest

from thuocdo.web.cache import forget


@pytest.fixture(autouse=True)
def _clean_web_cache(settings):
    settings.LIVE_MAX_STALE_SECONDS = 0  # tests see each change at once (a frozen clock never ages a render)
    forget()
    yield
    forget()
