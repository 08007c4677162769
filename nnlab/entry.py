"""The `nnlab` command's entry point: a plain `nnlab check ...` goes straight to the check.

Building the typer app imports typer, and typer's parameter parsing imports pydantic: together
more than NumPy's import, on a command a learner runs dozens of times an hour. `main()` reads a
`check` command line itself when it uses only what `nnlab check` takes (a target, --path,
--course, --verbose/-v, --trust) and runs `nnlab.check_command.run_check`, the code the typer
command runs too. Anything else (--help, another command, an option it does not know, a value
that looks like an option) goes to the typer app, which parses, helps and complains as always.
"""

from __future__ import annotations

import sys

FLAGS = {"--verbose": "verbose", "-v": "verbose", "--trust": "trust"}
VALUED = {"--path": "path", "--course": "course"}


def parse_check(args: list[str]) -> dict | None:
    """`nnlab check`'s arguments as run_check's keywords, or None when typer should parse them."""
    found: dict = {}
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        name, equals, value = arg.partition("=")
        if arg in FLAGS:
            found[FLAGS[arg]] = True
        elif name in VALUED:
            if not equals:
                if not rest:
                    return None
                value = rest.pop(0)
            if not value or value.startswith("-") or VALUED[name] in found:
                return None
            found[VALUED[name]] = value
        elif arg.startswith("-") or "target" in found:
            return None  # --help, an unknown option, a second target: typer says what to do
        else:
            found["target"] = arg
    return found


def main() -> None:
    args = sys.argv[1:]
    parsed = parse_check(args[1:]) if args[:1] == ["check"] else None
    if parsed is None:
        from nnlab.cli import app

        app()
        return
    import os
    from pathlib import Path

    # (as nnlab.cli does: nnlab uses no pydantic plugin, and looking for them is slow)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from nnlab.check_command import CheckFailed, print_error, run_check

    for key in ("path", "course"):
        if key in parsed:
            parsed[key] = Path(parsed[key])
    try:
        run_check(**parsed)
        # Done: the worker is stopped and everything it left removed (run_check's own clean-up),
        # and nnlab registers no exit handler. Tearing down an interpreter holding NumPy and
        # rich takes a tenth of a check's time; the report only needs flushing.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            return  # (a closed pipe: Python's own exit says so)
        os._exit(0)
    except CheckFailed as error:
        print_error(str(error))
        sys.exit(error.code)
    except KeyboardInterrupt:  # (as click says it)
        print("\nAborted!", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
