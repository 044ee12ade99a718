"""empower: balanced peer-mentorship groups from a sign-up CSV."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("empower-cli")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
