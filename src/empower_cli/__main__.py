"""`python -m empower_cli` runs the same command line as `empower`."""

from empower_cli.cli import main

main()
