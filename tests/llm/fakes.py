"""A scripted chat model for unit-level tests: langchain-core's fake chat models raise on ``bind_tools``, so
this one binds tools by ignoring them (as langchain's own tests do) and returns scripted ``AIMessage``s,
tool calls included, recording the messages each call was sent."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import Field


def said(text: str) -> AIMessage:
    return AIMessage(
        content=text, usage_metadata={"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}
    )


def calls(*tool_calls: tuple[str, dict[str, Any]]) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[
            {"name": name, "args": args, "id": f"call_{n}", "type": "tool_call"}
            for n, (name, args) in enumerate(tool_calls, start=1)
        ],
        usage_metadata={"input_tokens": 100, "output_tokens": 20, "total_tokens": 120},
    )


class ScriptedChatModel(GenericFakeChatModel):
    received: list[list[BaseMessage]] = Field(default_factory=list)

    @classmethod
    def replying(cls, *replies: AIMessage) -> ScriptedChatModel:
        script: Iterator[AIMessage] = iter(replies)
        return cls(messages=script)

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any
    ) -> ScriptedChatModel:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.received.append(list(messages))
        return super()._generate(messages, *args, **kwargs)
