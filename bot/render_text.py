"""Draws a Reply for the terminal: its text, then its typed parts (tables, the matrix, a decision's path, the
question's options), then sources and next steps. Labels come from `prompts/render.yaml`; tables are laid
out by tabulate, which measures Chinese characters as two columns (wcwidth)."""

from __future__ import annotations

from tabulate import tabulate

from bot.coach.reply import Ask, Citation, Decision, Matrix, Reply, Table
from bot.wording import Catalogue, Language, Wording


def chunk_label(citation: Citation, language: Language, words: Wording) -> str:
    if not citation.seed_chunks:
        return words.text(language, "document")
    key = "seed_chunk" if len(citation.seed_chunks) == 1 else "seed_chunks"
    return words.text(language, key, chunks=", ".join(str(n) for n in citation.seed_chunks))


def _table(table: Table, language: Language, words: Wording) -> list[str]:
    lines = [table.title] if table.title else []
    lines.append(tabulate(table.rows, headers=table.columns, tablefmt="simple", disable_numparse=True))
    if table.total_rows is not None:
        lines.append(words.text(language, "more_rows", shown=len(table.rows), total=table.total_rows))
    return lines


def _matrix(matrix: Matrix, language: Language, words: Wording) -> list[str]:
    def cell(quadrant: str) -> str:
        names = getattr(matrix, quadrant) or [words.text(language, "empty_cell")]
        title = matrix.labels.get(quadrant, quadrant)
        return "\n".join([f"[{title}]", *names])

    grid = [
        [words.text(language, "likely"), cell("opportunistic"), cell("act_now")],
        [words.text(language, "unlikely"), cell("shelve"), cell("plan_attack")],
    ]
    headers = ["", words.text(language, "small"), words.text(language, "big")]
    return [words.text(language, "matrix_title"), tabulate(grid, headers=headers, tablefmt="grid")]


def _decision(decision: Decision, language: Language, words: Wording) -> list[str]:
    lines = [words.text(language, "path")]
    for n, step in enumerate(decision.path, start=1):
        answer = words.text(language, "yes" if step.answer else "no")
        lines.append("  " + words.text(language, "path_line", n=n, question=step.question, answer=answer))
    return lines


def _ask(ask: Ask, language: Language, words: Wording) -> list[str]:
    lines = []
    if ask.choices:
        lines.append(words.text(language, "options"))
        lines.extend(f"  {n}. {choice.label}" for n, choice in enumerate(ask.choices, 1))
    if ask.columns:
        lines.append(words.text(language, "columns", columns=" | ".join(ask.columns)))
    if ask.example:
        lines.append(words.text(language, "example", example=ask.example))
    if ask.optional:
        lines.append(words.text(language, "optional"))
    if ask.why:
        lines.append(words.text(language, "why", why=ask.why))
    where = " › ".join(part for part in (ask.section, ask.label) if part and ask.section)
    if ask.progress is not None and ask.progress.total > 1:
        progress = words.text(language, "progress", done=ask.progress.done, total=ask.progress.total)
        lines.append(f"{progress} {where}".rstrip())
    return lines


def render_text(reply: Reply, catalogue: Catalogue) -> str:
    words = catalogue.file("render.yaml")
    language = reply.language
    blocks: list[list[str]] = [[reply.text.strip()]]
    for table in reply.tables:
        blocks.append(_table(table, language, words))
    if reply.matrix is not None:
        blocks.append(_matrix(reply.matrix, language, words))
    if reply.decision is not None and reply.decision.path:
        blocks.append(_decision(reply.decision, language, words))
    if reply.ask is not None:
        blocks.append(_ask(reply.ask, language, words))
    if reply.citations:
        lines = [words.text(language, "sources")]
        for citation in reply.citations:
            lines.append(f"  - {citation.title} [{citation.id}] ({chunk_label(citation, language, words)})")
        blocks.append(lines)
    if reply.actions:
        lines = [words.text(language, "next_steps")]
        lines.extend(f"  - {action.label}: {action.command}" for action in reply.actions)
        blocks.append(lines)
    return "\n\n".join("\n".join(block) for block in blocks if block and any(block))
