"""The `emokognition` command: analyze | eval | serve | worker | db | daemon (`make bench`).

Each command lives in its own module, imported only when that command runs, so `--help` and a
photo's analysis do not pay for the service, the bot or the video stack.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from emokognition.cli.options import UsageError
from emokognition.cli.parser import build_parser
from emokognition.errors import EmokognitionError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.run(args)
    except UsageError as exc:
        args.usage_error(str(exc))  # usage and message on stderr, exit 2, as argparse does
        return 2
    except EmokognitionError as exc:
        from rich.console import Console
        from rich.markup import escape

        # Escaped: "pip install 'emokognition[ray]'" is not rich markup.
        Console(stderr=True).print(
            f"[red]error:[/red] {escape(exc.message)}", highlight=False, soft_wrap=True
        )
        return 2
    except KeyboardInterrupt:
        return 130
    return code


__all__ = ["main"]
