"""The local web app and the REST API: `create_app(settings)` builds it, `kontaktfilter serve` runs it."""

from .app import create_app
from .config import WebConfig

__all__ = ["WebConfig", "create_app"]
