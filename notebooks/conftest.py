"""nbval runs the notebooks against a freshly started embedded PostgreSQL loaded with the fixture.

The server is started before any kernel (pytest_sessionstart), and its URL handed to the kernels
through DATABASE_URL, which they inherit. Nothing here is imported by the notebooks themselves.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "sim"
_state: dict = {}


def pytest_sessionstart(session):
    import wodlab
    from wodlab import db
    from wodlab.simulate import load_box

    home = Path(tempfile.mkdtemp(prefix="wln-", dir="/tmp"))  # short: the server's socket lives in it
    url = db.start_embedded(home)
    lab = wodlab.connect(url)
    load_box(lab, FIXTURE, progress=False)
    lab.engine.dispose()  # the notebooks' scratch copies need the database to themselves
    _state.update(home=home, saved=os.environ.get(db.URL_ENV))
    os.environ[db.URL_ENV] = url


def pytest_sessionfinish(session, exitstatus):
    from wodlab import db

    if "home" in _state:
        db.stop_embedded(_state["home"])
        shutil.rmtree(_state["home"], ignore_errors=True)
        if _state["saved"] is None:
            os.environ.pop(db.URL_ENV, None)
        else:
            os.environ[db.URL_ENV] = _state["saved"]
