"""`python -m venice_ext`: the `venice` command line."""

from venice_ext.cli import main

main()
