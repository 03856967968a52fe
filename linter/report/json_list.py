"""The json format: a JSON list of ``Finding.to_json()`` records."""

from __future__ import annotations

import json


def render(findings, context) -> str:
    return json.dumps([f.to_json() for f in findings], ensure_ascii=False, indent=2)
