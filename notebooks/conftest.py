"""nbval runs the notebooks against a freshly started embedded PostgreSQL loaded with the fixture.

The server is started before any kernel (pytest_sessionstart), and its URL handed to the kernels
through DATABASE_URL, which they inherit. Nothing here is imported by the notebooks themselves.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "sim"
_resources = contextlib.ExitStack()


def pytest_sessionstart(session):
    from wodlab.reports import fixture_database
    from wodlab.store.server import url_in_environment

    url = _resources.enter_context(fixture_database(FIXTURE))
    _resources.enter_context(url_in_environment(url))


def pytest_sessionfinish(session, exitstatus):
    _resources.close()
