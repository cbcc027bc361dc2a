"""Model helpers shared by the rule modules."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel


class PositionalModel(BaseModel):
    """A model that also takes its leading fields positionally, as a signature such as
    ``Platform(lraic, marginal_cost, utilisation, effective_utilisation=0.75)`` suggests."""

    _positional: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **data: Any) -> None:
        if len(args) > len(self._positional):
            limit = len(self._positional)
            raise TypeError(f"{type(self).__name__} takes at most {limit} positional arguments")
        for name, value in zip(self._positional, args, strict=False):
            if name in data:
                raise TypeError(f"{type(self).__name__} got two values for {name!r}")
            data[name] = value
        super().__init__(**data)
