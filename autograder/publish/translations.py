"""Translated editions of the student notebooks, from cell-keyed catalogues.

The English masters stay the only source of code, solutions, hidden checks and metadata. A
translation is a catalogue, ``translations/<language>/<assignment>.json``::

    {"language": "zh-CN", "assignment": "01_gradient_descent",
     "cells": {"<cell id>": {"english_sha256": "<sha256 of the English source>",
                             "source": ["line 1\\n", "line 2"]}}}

keyed by the id of the cell in the master (nbgrader keeps it in the release), holding the hash of
the English source it translates (the released student cell: for a solution cell, the stub the
learner sees, never the solution) and the translated source. Markdown cells are translated whole;
in code cells only comments and docstring prose may differ: the code's token stream must be
identical (:func:`code_tokens`).

``python -m autograder release`` writes ``notebooks/<language>/<assignment>.ipynb`` for every
assignment from the English release plus the catalogue (:func:`release`), keeping every cell id
and nbgrader metadata (the checksums of translated cells recomputed with nbgrader's own function).
A cell with no usable translation keeps its English source with a visible notice at its top,
and is counted: missing (no entry), stale (the English changed since the translation), or
code-changed (the translation altered code). ``python -m autograder.publish.translations`` prints
the same report without writing anything; ``--stamp CELL...`` marks the named entries current
once a translator has revised them after an English change.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import NOTEBOOKS_DIR, REPO_DIR, assignments

TRANSLATIONS_DIR = REPO_DIR / "translations"
LANGUAGES = ("zh-CN",)

#: What a learner sees at the top of a cell that is still in English.
FALLBACK_NOTICE = {
    "zh-CN": {"markdown": "> **尚未翻译**：本单元暂时保留英文原文。\n\n",
              "code": "# 尚未翻译：本单元的注释暂时保留英文原文。\n"},
}

#: The cell the release puts before the first code cell: figures can then show Chinese text.
LANGUAGE_CELL = {
    "zh-CN": ("# 让图中的中文正常显示（字体的选择见 helpers.plots.use_language）\n"
              "from helpers import plots\n\n"
              'plots.use_language("zh-CN")'),
}


class CatalogueError(ValueError):
    """A catalogue file that cannot be read: names the file and what is wrong."""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_text(cell) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def catalogue_path(language: str, assignment: str) -> Path:
    return TRANSLATIONS_DIR / language / f"{assignment}.json"


def load_catalogue(language: str, assignment: str, path: Path | None = None) -> dict:
    """The catalogue's cells, ``{cell_id: {"english_sha256": ..., "source": ...}}``.

    A missing file is an empty catalogue (everything falls back to English); a file that is not
    a valid catalogue raises :class:`CatalogueError` naming the file and the problem.
    """
    path = path or catalogue_path(language, assignment)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CatalogueError(f"{path}: not valid UTF-8 JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), dict):
        raise CatalogueError(f'{path}: expected an object with a "cells" object')
    for key, expected in (("language", language), ("assignment", assignment)):
        if data.get(key) != expected:
            raise CatalogueError(f"{path}: {key} is {data.get(key)!r}, expected {expected!r}")
    for cell_id, entry in data["cells"].items():
        if (not isinstance(entry, dict) or not isinstance(entry.get("english_sha256"), str)
                or not isinstance(entry.get("source"), str | list)):
            raise CatalogueError(f'{path}: cell {cell_id!r} needs "english_sha256" (a string) '
                                 'and "source" (a string or a list of lines)')
    return data["cells"]


def write_catalogue(language: str, assignment: str, cells: dict, path: Path | None = None):
    """Write a catalogue in the canonical form (lines as a list, Chinese characters as they are)."""
    path = path or catalogue_path(language, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    canonical = {cell_id: {"english_sha256": entry["english_sha256"],
                           "source": _lines(source_text(entry))}
                 for cell_id, entry in cells.items()}
    data = {"language": language, "assignment": assignment, "cells": canonical}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


# ----------------------------------------------------------------------------- code cells
def _docstring_positions(tokens) -> set[int]:
    """Indices of STRING tokens that are docstrings (a string alone as the first statement of a
    module, function or class body)."""
    positions, expect_docstring = set(), True
    significant = [i for i, t in enumerate(tokens)
                   if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING)]
    for number, index in enumerate(significant):
        token = tokens[index]
        if token.type == tokenize.STRING and expect_docstring:
            following = tokens[significant[number + 1]] if number + 1 < len(significant) else None
            if following is None or following.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                positions.add(index)
        if token.type == tokenize.INDENT:
            previous = tokens[significant[number - 2]] if number >= 2 else None
            expect_docstring = previous is not None and previous.string == ":"
        elif token.type not in (tokenize.NEWLINE, tokenize.DEDENT):
            expect_docstring = False
    return positions


def code_tokens(source: str) -> list[str]:
    """The code of a cell without its prose: the token stream with comments, blank lines and
    docstrings left out (a docstring becomes one placeholder). Two cells whose code is the same
    have the same list, however their comments and docstrings read. A cell Python cannot
    tokenize (IPython magics, say) is compared line by line without its comment lines."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [line.rstrip() for line in source.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    docstrings = _docstring_positions(tokens)
    kept = []
    for index, token in enumerate(tokens):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING):
            continue
        kept.append("<docstring>" if index in docstrings else token.string)
    return kept


def has_prose(cell) -> bool:
    """Whether a cell has words to translate: any markdown text; in code, comments or
    docstrings."""
    text = source_text(cell)
    if cell["cell_type"] == "markdown":
        return bool(text.strip())
    if cell["cell_type"] != "code":
        return False
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return any(line.lstrip().startswith("#") for line in text.splitlines())
    return (any(t.type == tokenize.COMMENT for t in tokens)
            or bool(_docstring_positions(tokens)))


# ----------------------------------------------------------------------------- one notebook
@dataclass
class Report:
    """What the translation of one notebook covered, by cell id."""

    language: str
    assignment: str
    translated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)        # prose, no entry
    stale: list[str] = field(default_factory=list)          # the English changed since
    code_changed: list[str] = field(default_factory=list)   # the translation altered code
    orphans: list[str] = field(default_factory=list)        # entries for cells that are gone

    @property
    def fallback(self) -> list[str]:
        """Cells shown in English (with the notice)."""
        return self.missing + self.stale + self.code_changed

    def summary(self) -> str:
        total = len(self.translated) + len(self.fallback)
        line = (f"{self.language} {self.assignment}: {len(self.translated)} of {total} cells "
                f"translated, {len(self.fallback)} in English")
        details = [f"{what} {', '.join(ids)}" for what, ids in
                   (("missing:", self.missing), ("stale (English changed):", self.stale),
                    ("code differs from the English:", self.code_changed),
                    ("entries for cells no longer in the notebook:", self.orphans)) if ids]
        return line + "".join(f"\n    {d}" for d in details)


_LINK = re.compile(r"(\]\(|src=\")(?!https?:|mailto:|#|/|\.\./)([^)\"\s]+)")


def _relocate_links(text: str) -> str:
    """Links of a notebook in ``notebooks/`` rewritten for one in ``notebooks/<language>/``:
    sibling notebooks stay siblings (the translated edition), and so do the concept figures
    (``figures/NAME.png``: the edition's own, drawn with their text in its language into
    ``notebooks/<language>/figures/`` by ``make figures``); everything else is one folder up."""
    names = set(assignments())

    def move(match):
        target = match.group(2)
        if target.split("#", 1)[0].removesuffix(".ipynb") in names:
            return match.group(0)
        if re.fullmatch(r"(?:\./)?figures/[^/]+\.png", target):
            return match.group(0)
        return f"{match.group(1)}../{target}"

    return _LINK.sub(move, text)


def _set_source(cell, text: str) -> None:
    cell["source"] = text
    meta = cell.get("metadata", {}).get("nbgrader")
    if meta and "checksum" in meta:
        from nbgrader.utils import compute_checksum

        meta["checksum"] = compute_checksum(cell)


def translate(notebook, catalogue: dict, language: str, assignment: str):
    """The translated copy of an English notebook, and the :class:`Report` of what it covers.

    ``notebook`` is the English release (or a master: its solution cells then have no matching
    entry and stay in English, which is what a run of the translated master needs).
    """
    notebook = copy.deepcopy(notebook)
    report = Report(language, assignment)
    notice = FALLBACK_NOTICE[language]
    ids = set()
    for cell in notebook.cells:
        ids.add(cell.get("id"))
        english = source_text(cell)
        entry = catalogue.get(cell.get("id"))
        if entry is None and not has_prose(cell):
            continue
        if entry is None:
            problem = report.missing
        elif entry["english_sha256"] != sha256(english):
            problem = report.stale
        elif (cell["cell_type"] == "code"
              and code_tokens(source_text(entry)) != code_tokens(english)):
            problem = report.code_changed
        else:
            problem = None
        if problem is None:
            text = source_text(entry)
            report.translated.append(cell["id"])
        else:
            problem.append(cell["id"])
            text = notice[cell["cell_type"]] + english if cell["cell_type"] in notice else english
        if cell["cell_type"] == "markdown":
            text = _relocate_links(text)
        if text != english:
            _set_source(cell, text)
    report.orphans = [cell_id for cell_id in catalogue if cell_id not in ids]
    first_code = next((i for i, c in enumerate(notebook.cells) if c["cell_type"] == "code"),
                      len(notebook.cells))
    language_cell = nbformat.v4.new_code_cell(LANGUAGE_CELL[language])
    language_cell["id"] = f"language-{language}"
    notebook.cells.insert(first_code, language_cell)
    notebook.metadata.setdefault("course", {})["language"] = language
    return notebook, report


def release(english_dir: Path = NOTEBOOKS_DIR, names: list[str] | None = None,
            languages=LANGUAGES, quiet: bool = False, write: bool = True) -> list[Report]:
    """Write ``<english_dir>/<language>/<name>.ipynb`` from the English releases in
    ``english_dir`` and the catalogues; print and return one report per notebook."""
    reports = []
    for language in languages:
        for name in names or assignments():
            english = nbformat.read(english_dir / f"{name}.ipynb", as_version=4)
            translated, report = translate(english, load_catalogue(language, name), language,
                                           name)
            if write:
                target = english_dir / language / f"{name}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(translated, target)
            if not quiet:
                print(report.summary())
            reports.append(report)
    return reports


def stamp(language: str, assignment: str, cell_ids: list[str]) -> list[str]:
    """Record the current English hash in the entries of ``cell_ids``, once their translation
    has been brought up to date with the changed English; return the cells stamped.

    Only named cells are touched (drift is never silenced wholesale); a cell with no entry, or
    whose translated code differs from the English, is refused with a clear error and nothing
    is written.
    """
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{assignment}.ipynb", as_version=4)
    by_id = {c.get("id"): c for c in notebook.cells}
    catalogue = load_catalogue(language, assignment)
    for cell_id in cell_ids:
        if cell_id not in by_id:
            raise CatalogueError(f"{assignment}: no cell {cell_id!r} in the English notebook")
        if cell_id not in catalogue:
            raise CatalogueError(f"{assignment}: cell {cell_id!r} has no translation to stamp")
        cell = by_id[cell_id]
        if cell["cell_type"] == "code" and code_tokens(
                source_text(catalogue[cell_id])) != code_tokens(source_text(cell)):
            raise CatalogueError(f"{assignment}: the translation of cell {cell_id!r} changes "
                                 "its code; only comments and docstrings may differ")
    for cell_id in cell_ids:
        catalogue[cell_id]["english_sha256"] = sha256(source_text(by_id[cell_id]))
    write_catalogue(language, assignment, catalogue)
    return cell_ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.publish.translations",
                                     description="Report what the translation catalogues "
                                     "cover (writes nothing); exit 1 when a cell is in English. "
                                     "With --stamp, mark revised translations as current.")
    parser.add_argument("--language", choices=LANGUAGES, default=LANGUAGES[0])
    parser.add_argument("--stamp", nargs="+", metavar="CELL_ID",
                        help="cells of ONE assignment whose translation you have revised: "
                        "record the current English hash in their entries")
    parser.add_argument("assignments", nargs="*", help="only these assignments")
    args = parser.parse_args(argv)
    try:
        if args.stamp:
            if len(args.assignments) != 1:
                parser.error("--stamp needs exactly one assignment")
            stamped = stamp(args.language, args.assignments[0], args.stamp)
            print(f"stamped {', '.join(stamped)} in "
                  f"{catalogue_path(args.language, args.assignments[0])}")
        reports = release(names=args.assignments or None, languages=(args.language,),
                          write=False)
    except CatalogueError as error:
        print(error, file=sys.stderr)
        return 2
    return 1 if any(r.fallback or r.orphans for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
