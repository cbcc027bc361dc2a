"""Reading what the app posted, and clicking it, the way a person in Slack would."""

from __future__ import annotations

from typing import Any

from tests.slack.sender import block_action
from tests.slack.standin import Message


def blocks_of(message: Message, kind: str) -> list[dict[str, Any]]:
    return [block for block in message.blocks if block.get("type") == kind]


def as_payload_message(message: Message) -> dict[str, Any]:
    """The message as an interaction payload carries it."""
    payload: dict[str, Any] = {
        "type": "message",
        "ts": message.ts,
        "text": message.text,
        "blocks": message.blocks,
        "user": "UKAMBOT01",
    }
    if message.thread_ts:
        payload["thread_ts"] = message.thread_ts
    return payload


def elements(message: Message) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every interactive element of a message, with the block holding it."""
    found = []
    for block in message.blocks:
        if block.get("type") in ("actions", "context_actions"):
            found.extend((block, element) for element in block.get("elements", []))
        if block.get("accessory"):
            found.append((block, block["accessory"]))
    return found


def find_element(message: Message, action_prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for block, element in elements(message):
        if str(element.get("action_id", "")).startswith(action_prefix):
            return block, element
    raise AssertionError(f"no {action_prefix} element in {message.blocks}")


def click_button(
    message: Message, element: dict[str, Any], block: dict[str, Any], *, user: str, channel: str
) -> dict[str, Any]:
    """The block_actions payload of a click on a button of this message."""
    action = {
        "type": "button",
        "action_id": element["action_id"],
        "block_id": block.get("block_id", ""),
        "text": element.get("text"),
        "value": element.get("value"),
    }
    return block_action(action, user=user, channel=channel, message=as_payload_message(message))


def click_feedback(message: Message, *, positive: bool, user: str, channel: str) -> dict[str, Any]:
    block, element = find_element(message, "kam_feedback")
    if element["type"] == "feedback_buttons":
        button = element["positive_button" if positive else "negative_button"]
        action = {
            "type": "feedback_buttons",
            "action_id": element["action_id"],
            "block_id": block.get("block_id", "fb"),
            "value": button["value"],
            "text": button["text"],
        }
        return block_action(action, user=user, channel=channel, message=as_payload_message(message))
    wanted = "kam_feedback:up" if positive else "kam_feedback:down"
    for candidate_block, candidate in elements(message):
        if candidate.get("action_id") == wanted:
            return click_button(message, candidate, candidate_block, user=user, channel=channel)
    raise AssertionError("no feedback button")


def select_option(
    message: Message, action_prefix: str, option_text: str, *, user: str, channel: str
) -> dict[str, Any]:
    """The payload of choosing the option whose label contains ``option_text`` in a static select."""
    block, element = find_element(message, action_prefix)
    option = next(o for o in element["options"] if option_text in o["text"]["text"])
    action = {
        "type": "static_select",
        "action_id": element["action_id"],
        "block_id": block.get("block_id", ""),
        "selected_option": option,
    }
    return block_action(action, user=user, channel=channel, message=as_payload_message(message))
