"""The command line as a reader meets it: ``--version``, a description and an example for every subcommand,
help for every option, and every ``insider-kit ...`` command written in the docs, the README and the
subcommands' own examples checked against the parser (a renamed flag fails here, not in a reader's shell);
outputs written with the user's umask."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from insider_kit import __version__
from insider_kit.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for name, sub in _subparsers(parser).items():
        yield from _walk(sub, (*path, name))


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "insider_kit.cli", "--version"], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"insider-kit {__version__}"


def test_every_subcommand_and_option_has_help() -> None:
    """A subcommand without a description or an example, or an option (positional included) without help
    text, fails: ``-p``, ``--tickers``, ``FILE``, ``PATH`` and ``--format`` once had none."""
    missing = []
    for path, parser in _walk(build_parser()):
        name = " ".join(("insider-kit", *path))
        if path and not (parser.description and parser.description.strip()):
            missing.append(f"{name}: no description")
        if path and "insider-kit " not in (parser.epilog or ""):
            missing.append(f"{name}: no example in its epilog")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:  # each subcommand's line in its parent's help
                    if not (choice.help and choice.help.strip()):
                        missing.append(f"{name} {choice.dest}: no help line")
                continue
            if action.help is argparse.SUPPRESS:
                continue
            if not (action.help and action.help.strip()):
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}: no help")
    assert not missing, "\n".join(missing)


def test_help_shows_examples_unwrapped() -> None:
    sub = _subparsers(build_parser())["report"]
    help_text = sub.format_help()
    assert "examples:\n  insider-kit report --data data/sample --out reports" in help_text


# --------------------------------------------------------------------------- commands in the docs
_CMD = re.compile(r"(?:\.venv/bin/)?insider-kit(?:\s+[^`\n]*)?")


def _doc_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    # pages written at build time (cli-reference.md, claims/) are generated from the parser and the ledger
    return [f for f in files if "_build" not in f.parts and f.name != "cli-reference.md" and "claims" not in f.parts]


def _commands(text: str) -> Iterator[str]:
    """``insider-kit ...`` command lines in *text*: in inline code spans and in fenced code blocks (a line
    continued with a backslash is joined)."""
    fences = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1", re.S | re.M)
    for m in fences.finditer(text):
        body = m.group(2).replace("\\\n", " ")
        for line in body.splitlines():
            hit = _CMD.search(line)
            if hit and "import insider_kit" not in line:
                yield hit.group(0)
    prose = fences.sub("", text)
    for span in re.findall(r"``?([^`\n]+)``?", prose):
        hit = _CMD.match(span.strip())
        if hit:
            yield hit.group(0)


def _check(command: str, parser: argparse.ArgumentParser) -> str | None:
    """None when *command* parses; else why not.  A bare reference to a subcommand (``insider-kit import
    prices``) only has to name one; anything with arguments must parse in full."""
    tokens = shlex.split(command, comments=True)
    tokens = tokens[1:]  # the program
    if not tokens:
        return None
    node, i = parser, 0
    while i < len(tokens) and tokens[i] in _subparsers(node):
        node, i = _subparsers(node)[tokens[i]], i + 1
    if i == len(tokens):
        return None
    if node is parser and not tokens[0].startswith("-"):
        return f"unknown command {tokens[0]!r}"
    import contextlib
    import io

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(tokens)
    except SystemExit as exc:
        if exc.code not in (0, None):  # (--help and --version exit 0)
            return err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else f"exit {exc.code}"
    return None


def _documented_commands() -> list[tuple[str, str]]:
    found = []
    for f in _doc_files():
        for cmd in _commands(f.read_text(encoding="utf-8")):
            found.append((str(f.relative_to(ROOT)), cmd))
    for path, sub in _walk(build_parser()):
        for line in (sub.epilog or "").splitlines() + (sub.description or "").splitlines():
            if line.strip().startswith("insider-kit "):
                found.append((f"insider-kit {' '.join(path)} --help", line.strip()))
    return found


def test_documented_commands_parse() -> None:
    """Every ``insider-kit ...`` command in README.md, docs/ and the subcommands' examples parses with
    :func:`insider_kit.cli.build_parser` (Getting Started once documented ``fetch sec --quarters``)."""
    found = _documented_commands()
    assert len(found) >= 30, f"the scanner found only {len(found)} commands: it is broken"
    parser = build_parser()
    bad = [f"{where}: {cmd!r}: {why}" for where, cmd in found if (why := _check(cmd, parser))]
    assert not bad, "\n".join(bad)


def test_the_checker_catches_a_renamed_flag() -> None:
    parser = build_parser()
    assert _check("insider-kit fetch sec --quarters 2023q1:2024q4", parser)
    assert _check("insider-kit report --data d --onlyy 00_quickstart", parser)
    assert _check("insider-kit frobnicate", parser)
    assert _check("insider-kit fetch sec --from 2023q1 --to 2024q4", parser) is None
    assert _check("insider-kit import prices", parser) is None  # a reference to the subcommand
    cmds = list(_commands("Run `insider-kit fetch sec --quarters 2023q1` first.\n\n```bash\n"
                          "insider-kit report \\\n  --data d   # a comment\n```\n"))
    assert cmds == ["insider-kit report    --data d   # a comment", "insider-kit fetch sec --quarters 2023q1"]


# --------------------------------------------------------------------------- permissions of outputs
@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_outputs_honour_the_umask(tmp_path: Path, mask: int) -> None:
    """HTML and CSV outputs were written 0600 (mkstemp's mode), so a web server or a shared course drive
    refused them; they get what ``open()`` gives under the user's umask."""
    from insider_kit._io import atomic_write_bytes, atomic_write_text, current_umask

    old = os.umask(mask)
    try:
        assert current_umask() == mask
        atomic_write_text(tmp_path / "index.html", "<p>x</p>")
        atomic_write_bytes(tmp_path / "sub" / "claims.csv", b"a,b\n")
        with open(tmp_path / "reference.txt", "w") as fh:  # what an ordinary write gets
            fh.write("x")
    finally:
        os.umask(old)
    want = stat.S_IMODE((tmp_path / "reference.txt").stat().st_mode)
    assert want == 0o666 & ~mask
    for f in (tmp_path / "index.html", tmp_path / "sub" / "claims.csv"):
        assert stat.S_IMODE(f.stat().st_mode) == want, (f, oct(f.stat().st_mode))
