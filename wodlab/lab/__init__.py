"""The Lab, wodlab's facade: `wodlab.connect()` returns one; its verbs live by area in this package."""

from wodlab.lab.handle import Lab, connect

__all__ = ["Lab", "connect"]
