"""Account tiers from total customer value (seed chunks 4-5; contracts section 4).

``total_value = profit_contribution - cost_to_serve + learning_value + skill_value + referral_value
+ other_intangible_value`` (chunk 5's total customer value); ``rank_value = max(total_value,
potential_value)`` when ``potential_value`` is given, else ``total_value``.

Accounts with ``rank_value > 0`` are sorted by ``rank_value`` high to low, then name. Walking down the
list, the share of the positive total held by the accounts *before* an account decides its tier:
``key`` while that share is ``< key_share``, ``important`` while it is ``< important_share``, else
``standard``. So the first account is always key, and the account that carries the running share across
``key_share`` is still key (the pyramid of chunk 4: a few accounts hold most of the value).
``cumulative_share`` is the share held by the accounts up to and including the account.

Accounts with ``rank_value <= 0`` come last (by rank_value high to low, then name), are ``standard``
with ``unprofitable=True``, and add nothing to the positive total: their ``cumulative_share`` is that of
all the positive accounts (1.0, or 0.0 when no account has positive value).

Shares are compared as plain floating-point ``<`` on ``running_sum / total``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kam_rules import wording
from kam_rules.formatting import format_amount, format_share
from kam_rules.rationale import Language, with_citation

Tier = Literal["key", "important", "standard"]
SEED_CHUNKS = (4, 5)
TIERS: tuple[Tier, ...] = ("key", "important", "standard")

Money = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class AccountValue(BaseModel):
    """One account's value over a period (chunk 5)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    profit_contribution: Money = Field(description="profit contribution to total sales (may be negative)")
    cost_to_serve: NonNegative = Field(0.0, description="cost of selling, service and relationship upkeep")
    learning_value: NonNegative = Field(0.0, description="learning value for new products and services")
    skill_value: NonNegative = Field(0.0, description="value of the skills built serving the account")
    referral_value: NonNegative = Field(0.0, description="referral potential")
    other_intangible_value: NonNegative = Field(0.0, description="other intangible value")
    potential_value: Money | None = Field(None, description="value the account could bring (optional)")

    @property
    def total_value(self) -> float:
        return (
            self.profit_contribution
            - self.cost_to_serve
            + self.learning_value
            + self.skill_value
            + self.referral_value
            + self.other_intangible_value
        )

    @property
    def rank_value(self) -> float:
        total = self.total_value
        return total if self.potential_value is None else max(total, self.potential_value)


VALUE_FIELDS: tuple[str, ...] = tuple(name for name in AccountValue.model_fields if name != "name")
"""The value columns of an account, in order: what CSVs, CRM imports and plans carry."""


class TieredAccount(BaseModel):
    name: str
    tier: Tier
    total_value: float
    rank_value: float
    cumulative_share: float
    unprofitable: bool
    share: float = Field(description="this account's own share of the positive total")
    share_before: float = Field(description="share of the positive total held by the accounts before it")
    rationale: str


class TieringInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[AccountValue]
    key_share: float = Field(
        0.5, gt=0, le=1, allow_inf_nan=False, description="value share the key accounts reach (0..1)"
    )
    important_share: float = Field(
        0.8,
        gt=0,
        le=1,
        allow_inf_nan=False,
        validate_default=True,
        description="value share key + important accounts reach (0..1)",
    )
    language: Language = "en"

    @field_validator("important_share")
    @classmethod
    def _ordered_shares(cls, value: float, info: ValidationInfo) -> float:
        key_share = info.data.get("key_share")
        if key_share is not None and value < key_share:
            raise ValueError(f"must be at least key_share ({key_share:g})")
        return value

    @field_validator("accounts")
    @classmethod
    def _finite_total(cls, accounts: list[AccountValue]) -> list[AccountValue]:
        # Each value is finite, but two near the float limit add up to infinity, and shares of infinity
        # are NaN: refuse such input instead of printing Infinity in JSON.
        if not math.isfinite(sum(abs(a.total_value) + abs(a.rank_value) for a in accounts)):
            raise ValueError("the account values are too large to add up")
        return accounts


class TieringResult(BaseModel):
    accounts: list[TieredAccount]
    key_share: float
    important_share: float
    total_positive_value: float
    rationale: str


def tier_accounts(
    accounts: list[AccountValue],
    key_share: float = 0.5,
    important_share: float = 0.8,
    language: Language = "en",
) -> list[TieredAccount]:
    """Tier the accounts, best first (contracts section 4). Raises ValidationError on bad input."""
    request = TieringInput(
        accounts=list(accounts), key_share=key_share, important_share=important_share, language=language
    )
    return tier(request).accounts


def tier(request: TieringInput) -> TieringResult:
    lang = request.language
    positive = sorted(
        (a for a in request.accounts if a.rank_value > 0), key=lambda a: (-a.rank_value, a.name)
    )
    negative = sorted(
        (a for a in request.accounts if a.rank_value <= 0), key=lambda a: (-a.rank_value, a.name)
    )
    total = 0.0
    for account in positive:
        total += account.rank_value

    results: list[TieredAccount] = []
    running = 0.0
    for account in positive:
        share_before = running / total
        running += account.rank_value
        tier_name: Tier
        if share_before < request.key_share:
            tier_name = "key"
        elif share_before < request.important_share:
            tier_name = "important"
        else:
            tier_name = "standard"
        cumulative = running / total
        results.append(
            TieredAccount(
                name=account.name,
                tier=tier_name,
                total_value=account.total_value,
                rank_value=account.rank_value,
                cumulative_share=cumulative,
                unprofitable=False,
                share=account.rank_value / total,
                share_before=share_before,
                rationale=_account_rationale(account, tier_name, share_before, request),
            )
        )
    final_share = 1.0 if positive else 0.0
    for account in negative:
        results.append(
            TieredAccount(
                name=account.name,
                tier="standard",
                total_value=account.total_value,
                rank_value=account.rank_value,
                cumulative_share=final_share,
                unprofitable=True,
                share=0.0,
                share_before=final_share,
                rationale=_account_rationale(account, "standard", final_share, request, unprofitable=True),
            )
        )
    counts = {t: sum(1 for r in results if r.tier == t) for t in TIERS}
    text = wording.text(
        lang,
        "tiering",
        "summary_unprofitable" if negative else "summary",
        count=len(results),
        **counts,
        key_share=format_share(request.key_share, lang),
        important_share=format_share(request.important_share, lang),
        unprofitable=len(negative),
    )
    return TieringResult(
        accounts=results,
        key_share=request.key_share,
        important_share=request.important_share,
        total_positive_value=total,
        rationale=with_citation(text, lang, *SEED_CHUNKS),
    )


def _account_rationale(
    account: AccountValue,
    tier_name: Tier,
    share_before: float,
    request: TieringInput,
    unprofitable: bool = False,
) -> str:
    lang = request.language
    value = format_amount(account.rank_value, lang)
    if unprofitable:
        text = wording.text(lang, "tiering", "unprofitable", value=value)
    else:
        if tier_name == "standard":
            compare = wording.text(lang, "at_least", value=format_share(request.important_share, lang))
        else:
            limit = request.key_share if tier_name == "key" else request.important_share
            compare = wording.text(lang, "below", value=format_share(limit, lang))
        uses_potential = account.potential_value is not None and account.potential_value > account.total_value
        text = wording.text(
            lang,
            "tiering",
            "ranked",
            basis=wording.text(lang, "tiering", "bases", "potential" if uses_potential else "total"),
            value=value,
            share_before=format_share(share_before, lang),
            compare=compare,
            tier=wording.text(lang, "tiering", "tiers", tier_name),
        )
    return with_citation(text, lang, *SEED_CHUNKS)
