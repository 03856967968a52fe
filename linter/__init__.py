"""derivlint: a linter for the matrix calculus in study notes."""

__version__ = "0.2.0"
