"""empower: balanced peer-mentorship groups from a sign-up CSV."""

# The one place the version is written: pyproject.toml reads it from here, and reading it back
# with importlib.metadata would cost every run about 50 ms of imports.
__version__ = "0.1.0"
