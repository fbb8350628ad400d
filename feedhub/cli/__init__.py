"""The command line: typer apps, one file per command group; thin (parse, call, print)."""
