"""What the listeners work with, built once by ``bot.slack.app.build_slack_app`` and handed to each
``register(app, deps)``: the coach, the runner that does the slow work, the views and the stores."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.coach.coach import Coach
from bot.coach.plan_sections import PlanSections
from bot.plans.render import PlanRenderer
from bot.plans.repository import PlanRepository
from bot.plans.wording import PlanWording
from bot.rhythm.service import RhythmService
from bot.settings import Settings
from bot.slack.delivery import Delivery
from bot.slack.profiles import Profiles
from bot.slack.runner import TurnRunner
from bot.slack.views.reply import ReplyView
from bot.slack.wording import SlackWording
from bot.store.escalation_store import EscalationStore
from bot.store.feedback_store import FeedbackStore


@dataclass(frozen=True)
class SlackDeps:
    settings: Settings
    coach: Coach
    client: WebClient
    wording: SlackWording
    view: ReplyView
    delivery: Delivery
    runner: TurnRunner
    profiles: Profiles
    feedback: FeedbackStore
    plans: PlanRepository
    sections: PlanSections
    renderer: PlanRenderer
    plan_wording: PlanWording
    rhythm: RhythmService
    escalations: EscalationStore
