"""The rules stage: one module per rule, each defining a ``Rule`` subclass. Entry: ``derivlint.rules.all_rules``."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from derivlint.rule import Rule


@lru_cache(maxsize=1)
def rule_codes() -> tuple[str, ...]:
    """The codes of every rule, in code order, read from the module names (``dl301_wrong_derivative``)
    without importing the rules: what validating ``--select`` or a configuration needs on a run
    whose files all come from the cache."""
    return tuple(sorted(info.name.split("_", 1)[0].upper() for info in pkgutil.iter_modules(__path__)))


@lru_cache(maxsize=1)
def all_rules() -> dict[str, type[Rule]]:
    """Every rule in this package, keyed by code (DL101 …), in code order."""
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule:
                if value.__module__ == module.__name__:
                    if value.code in found:
                        raise RuntimeError(f"two rules claim {value.code}")
                    found[value.code] = value
    return dict(sorted(found.items()))
