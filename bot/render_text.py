"""Renders a Reply as plain text for the terminal."""

from __future__ import annotations

from bot.coach.reply import Citation, Reply

LABELS = {
    "en": {
        "sources": "Sources",
        "next": "Next steps",
        "chunk": "seed chunk",
        "chunks": "seed chunks",
        "doc": "your document",
    },
    "zh": {
        "sources": "出处",
        "next": "下一步",
        "chunk": "种子第{}段",
        "chunks": "种子第{}段",
        "doc": "你的文档",
    },
}


def chunk_label(citation: Citation, language: str) -> str:
    labels = LABELS[language]
    if not citation.seed_chunks:
        return labels["doc"]
    numbers = ", ".join(str(n) for n in citation.seed_chunks)
    if language == "zh":
        return labels["chunks"].format(numbers)
    return f"{labels['chunk' if len(citation.seed_chunks) == 1 else 'chunks']} {numbers}"


def render_text(reply: Reply) -> str:
    labels = LABELS[reply.language]
    lines = [reply.text.strip()]
    if reply.citations:
        lines.append("")
        lines.append(f"{labels['sources']}:")
        for citation in reply.citations:
            lines.append(f"  - {citation.title} [{citation.id}] ({chunk_label(citation, reply.language)})")
    if reply.actions:
        lines.append("")
        lines.append(f"{labels['next']}:")
        for action in reply.actions:
            lines.append(f"  - {action.label}: {action.command}")
    return "\n".join(lines)
