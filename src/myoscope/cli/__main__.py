"""``python -m myoscope.cli``: the same as the ``myoscope`` command."""

from myoscope.cli.main import cli

if __name__ == "__main__":
    cli(prog_name="myoscope")
