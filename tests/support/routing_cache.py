"""The suite makes a new app for almost every test, and werkzeug compiles two URL builders (Python source
generated and compiled) for each of the app's ~140 URL rules every time: three quarters of create_app's
time. The builders depend only on the rule's text, its parsed parts, its defaults and whether unknown
arguments are appended (the converters are looked up on the rule at call time), so within one test
process the compiled functions can be shared between the apps' identical rules.

Tests only: production builds its one app once. If werkzeug's private method changes shape, nothing is
cached and the suite is only slower.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing.rules import Rule

_original = Rule._compile_builder
_builders: dict[tuple[Any, ...], Any] = {}


def _cached_compile_builder(self: Rule, append_unknown: bool = True) -> Any:
    try:
        key = (
            self.rule,
            self.host if self.map is not None and self.map.host_matching else self.subdomain,
            tuple(self._trace),
            repr(sorted((self.defaults or {}).items())),
            append_unknown,
        )
    except Exception:  # an unexpected rule shape: compile as werkzeug does
        return _original(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original(self, append_unknown)
    return builder


def install() -> None:
    if getattr(Rule._compile_builder, "__name__", "") != _cached_compile_builder.__name__:
        Rule._compile_builder = _cached_compile_builder  # type: ignore[method-assign]
