"""Fieldnotes: informational-interview notes to structured records, leads and follow-ups."""

__version__ = "0.2.0"


def main() -> None:
    """The console script: the CLI, with Ctrl-C during start-up ending as cleanly as later on."""
    import sys

    try:
        from pipeline.cli import cli
    except KeyboardInterrupt:
        sys.stderr.write("\nInterrupted before anything was done.\n")
        sys.exit(130)
    cli(prog_name="fieldnotes")
