"""``python -m helpers.figures [OUTDIR] [--language zh-CN] [--only NAME ...] [--list]``:
regenerate concept figures."""

from __future__ import annotations

import argparse
import sys

import matplotlib

matplotlib.use("Agg")  # headless and reproducible, before anything imports pyplot


def main(argv=None) -> int:
    from helpers import figures

    parser = argparse.ArgumentParser(
        prog="python -m helpers.figures",
        description="Draw the course's concept figures (helpers/figures/nb*.py) as PNG files.")
    parser.add_argument("outdir", nargs="?", default=None,
                        help="folder to write into (default: notebooks/figures/, or "
                        "notebooks/LANGUAGE/figures/ with --language)")
    parser.add_argument("--language", choices=["en", *figures.LANGUAGES], default="en",
                        help="the language of the figures' text (default: en)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="draw only this figure, e.g. 03_momentum_bowl.png (repeatable)")
    parser.add_argument("--list", action="store_true",
                        help="list the registered figures and exit")
    args = parser.parse_args(argv)

    try:
        registry = figures.load_all()
    except ImportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.list:
        for name in sorted(registry):
            function = registry[name]
            summary = (function.__doc__ or "").strip().splitlines()
            print(f"{name:<40} {function.__module__}.{function.__qualname__}"
                  + (f"  {summary[0]}" if summary else ""))
        return 0
    try:
        written = figures.generate(args.outdir, only=args.only, verbose=True,
                                   language=args.language)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{len(written)} figure(s) in {args.outdir or figures.outdir_for(args.language)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
