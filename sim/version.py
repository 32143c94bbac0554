"""The model's version: the one place it is written (``pyproject.toml`` reads it from here).

It goes into every run key, results file and report manifest, so a figure can be traced to the
release that made it; ``CHANGELOG.md`` says what each release changed.
"""

__version__ = "0.16.2"
