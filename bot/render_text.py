"""Renders a Reply as plain text for the terminal, with its labels from `prompts/coach.yaml`."""

from __future__ import annotations

from bot.coach.phrases import Phrases
from bot.coach.reply import Citation, Reply


def chunk_label(citation: Citation, language: str, phrases: Phrases) -> str:
    if not citation.seed_chunks:
        return phrases.get("document", language)
    key = "seed_chunk" if len(citation.seed_chunks) == 1 else "seed_chunks"
    return phrases.get(key, language, chunks=", ".join(str(n) for n in citation.seed_chunks))


def render_text(reply: Reply, phrases: Phrases) -> str:
    language = reply.language
    lines = [reply.text.strip()]
    if reply.citations:
        lines += ["", f"{phrases.get('sources', language)}:"]
        for citation in reply.citations:
            label = chunk_label(citation, language, phrases)
            lines.append(f"  - {citation.title} [{citation.id}] ({label})")
    if reply.actions:
        lines += ["", f"{phrases.get('next_steps', language)}:"]
        for action in reply.actions:
            lines.append(f"  - {action.label}: {action.command}")
    return "\n".join(lines)
