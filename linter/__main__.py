"""``python -m derivlint``: the derivlint command line."""

from derivlint.cli import run

if __name__ == "__main__":
    run()
