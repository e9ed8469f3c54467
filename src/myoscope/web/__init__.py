"""The web app (adapter): server-rendered pages for the diary, the options and the settings.

:func:`myoscope.web.app.create_web` builds it around the services; :mod:`myoscope.server` mounts the
JSON API on it. Templates live in ``web/templates`` and the stylesheet in ``web/static``; there is
no JavaScript build step, and every page works without JavaScript.
"""

from myoscope.web.app import create_web

__all__ = ["create_web"]
