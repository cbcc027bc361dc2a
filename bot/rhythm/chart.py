"""The team's tier pyramid as a PNG: accounts per tier (key at the top), split by how far their plans are.

matplotlib is imported here only, when a chart is drawn, with the Agg backend (no display needed). Chinese
labels need a CJK font (Noto Sans CJK, WenQuanYi, Source Han Sans); without one the chart is labelled in
English rather than drawn with empty boxes.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from typing import Any

from bot.rhythm.digest import Digest
from bot.rhythm.models import Language
from bot.rhythm.wording import RhythmWording

log = logging.getLogger(__name__)
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Source Han Sans SC",
)
COLOURS = {"approved": "#2e7d32", "in_progress": "#f9a825", "no_plan": "#c62828"}


@lru_cache(maxsize=1)
def _cjk_font() -> str | None:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def tier_pyramid_png(digest: Digest, wording: RhythmWording) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    language: Language = digest.language
    font = _cjk_font() if language == "zh" else None
    if language == "zh" and font is None:
        log.info("no CJK font installed: the chart is labelled in English")
        language = "en"
    rc: dict[str, Any] = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]  # its keys are typed as a Literal of every rc name
        figure = Figure(figsize=(7, 3.6), dpi=100)
        axes = figure.subplots()
        tiers = list(reversed(digest.tiers))  # the key tier on top
        labels = [wording.tier(t.tier, language) for t in tiers]
        totals = [t.approved + t.in_progress + t.no_plan for t in tiers]
        left = [-total / 2 for total in totals]  # centred bars: a pyramid
        for part in ("approved", "in_progress", "no_plan"):
            widths = [getattr(t, part) for t in tiers]
            axes.barh(
                labels,
                widths,
                left=left,
                color=COLOURS[part],
                label=wording.phrase(f"digest.chart_{part}", language),
            )
            left = [x + w for x, w in zip(left, widths, strict=True)]
        for y, total in enumerate(totals):
            axes.text(total / 2 + 0.1, y, str(total), va="center")
        widest = max([*totals, 1])
        axes.set_xlim(-widest / 2 - 0.5, widest / 2 + 1.5)
        axes.set_xticks([])
        axes.set_title(wording.phrase("digest.chart_title", language))
        axes.legend(loc="lower right", fontsize="small", frameon=False)
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
