"""Myoscope: evidence-graded knowledge, treatment options and safety checks for myoclonus.

Information to discuss with a clinician, not medical advice.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("myoscope")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
