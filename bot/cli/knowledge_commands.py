"""`kam-coach ingest`, `kam-coach sources`, `kam-coach index`: what the coach knows."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.common import BadInput, cli_text, language_of, print_json
from kam_rules.formatting import format_number


def _removals(index: Any, paths: list[Path], glob: str | None) -> dict[str, int]:
    """What `ingest --remove` takes out: each file given, and the indexed files under each folder given."""
    from bot.retrieval.ingest import remove_file

    removed: dict[str, int] = {}
    for given in paths:
        folder = given.expanduser().resolve()
        if not folder.is_dir():
            removed[str(given)] = remove_file(index, given)
            continue
        for document in index.documents():
            inside = Path(document["path"])
            if inside.is_relative_to(folder) and (glob is None or inside.match(glob)):
                removed[document["path"]] = remove_file(index, inside)
    return removed


def _progress_bar(total: int) -> Any:
    """A progress bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean)."""
    from tqdm import tqdm

    return tqdm(total=total, unit="chunk", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


def run_ingest(args: argparse.Namespace) -> int:
    from bot.app import build_index
    from bot.retrieval.ingest import UnreadableDocument, collect_files, ingest_files, prepare

    paths = [Path(p) for p in args.paths]
    if args.remove:
        removed = _removals(build_index(), paths, args.glob)
        if args.json:
            print_json({"removed": removed})
        else:
            for path, count in removed.items():
                line = ("removed", "not_indexed")[not count]
                sys.stdout.write(cli_text(args, "ingest", line, path=path, chunks=count) + "\n")
        return 0
    # Read every file before touching the index, so a typo in the fifth path leaves nothing half-done.
    try:
        prepared = prepare(collect_files(paths, args.glob))
    except UnreadableDocument as bad:
        raise BadInput(str(bad)) from None
    index = build_index()
    with _progress_bar(sum(len(file.chunks) for file in prepared)) as bar:
        results = ingest_files(
            index, prepared, progress=bar.update, on_file=lambda file: bar.set_description(file.path.name)
        )
    if args.json:
        print_json({"ingested": [r.model_dump() for r in results]})
    else:
        for r in results:
            line = "ingested_again" if r.replaced else "ingested"
            seconds = format_number(r.seconds, language_of(args))
            said = cli_text(
                args, "ingest", line, path=r.path, chunks=r.chunks, seconds=seconds, replaced=r.replaced
            )
            sys.stdout.write(said + "\n")
    return 0


def run_sources(args: argparse.Namespace) -> int:
    from bot.app import build_index

    index = build_index()
    cards = index.cards
    documents = index.documents()
    if args.json:
        print_json(
            {
                "cards": sorted(
                    (
                        {
                            "id": c.id,
                            "lang": c.lang,
                            "title": c.title,
                            "seed_chunks": c.seed_chunks,
                            "template": c.is_template,
                        }
                        for c in cards
                    ),
                    key=lambda row: (row["id"], row["lang"]),
                ),
                "documents": documents,
            }
        )
        return 0
    topics = {c.id for c in cards}
    lines = [cli_text(args, "sources", "cards", cards=len(cards), topics=len(topics))]
    if not documents:
        lines.append(cli_text(args, "sources", "no_documents"))
    else:
        lines.append(cli_text(args, "sources", "documents", count=len(documents)))
    for doc in documents:
        when = datetime.fromtimestamp(doc["ingested_at"], UTC).strftime("%Y-%m-%d %H:%M")
        lines.append(cli_text(args, "sources", "document", path=doc["path"], chunks=doc["chunks"], when=when))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run_index(args: argparse.Namespace) -> int:
    from bot.app import build_index

    report = build_index().sync_cards()
    if args.json:
        print_json(report)
    else:
        counts = {name: getattr(report, name) for name in ("added", "updated", "removed", "unchanged")}
        sys.stdout.write(cli_text(args, "index", "synced", **counts) + "\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest", help="add your own documents (md, txt, pdf, docx; files or folders) to the index"
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders to read at any depth")
    ingest.add_argument(
        "--glob", metavar="PATTERN", help="in folders, only files matching this (e.g. '*.md', 'plays/*.pdf')"
    )
    ingest.add_argument("--remove", action="store_true", help="remove these files from the index instead")
    ingest.add_argument("--json", action="store_true")
    ingest.set_defaults(func=run_ingest)

    sources = subparsers.add_parser("sources", help="list what the coach knows: cards and ingested documents")
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(func=run_sources)

    index = subparsers.add_parser("index", help="bring the index up to date with knowledge/ now")
    index.add_argument("--json", action="store_true")
    index.set_defaults(func=run_index)
