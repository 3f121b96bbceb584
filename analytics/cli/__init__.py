"""The command line (`python -m analytics`): one module per group of commands (cases,
reports, accounts, the store), the parser that gathers them, and the program that runs one.
It decides what is said and the exit code; every rule it applies is analytics'."""

from analytics.cli.parser import build_parser
from analytics.cli.program import main

__all__ = [
    "build_parser",
    "main",
]
