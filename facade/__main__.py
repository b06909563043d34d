"""``python -m kmskit``: the same command as the ``kmskit`` console script."""

from kmskit.cli.entry import run

if __name__ == "__main__":
    run()
