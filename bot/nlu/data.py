"""Read Rasa 3.x NLU YAML (intents with inline entity annotations, synonyms, lookups)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from bot.core.errors import DataError
from bot.core.schemas import EntitySpan

# [text](entity) or [text]{"entity": "...", "value": "..."}
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")


class Example(BaseModel):
    """A training or test example: plain text, intent and annotated entities."""

    text: str
    intent: str
    entities: list[EntitySpan] = Field(default_factory=list)


class NluData(BaseModel):
    """The contents of one or more Rasa NLU files."""

    examples: list[Example] = Field(default_factory=list)
    synonyms: dict[str, str] = Field(default_factory=dict)  # surface form (lower) -> value
    lookups: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """Intent names in first-seen order."""
        return list(dict.fromkeys(e.intent for e in self.examples))


def parse_example(raw: str, intent: str, where: str) -> Example:
    """Turn one annotated example line into plain text plus entity spans."""
    text_parts: list[str] = []
    entities: list[EntitySpan] = []
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(raw):
        before = raw[pos:m.start()]
        text_parts.append(before)
        length += len(before)
        surface = m.group("text")
        if m.group("name"):
            name, value = m.group("name").strip(), surface
        else:
            try:
                spec = json.loads(m.group("json"))
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: bad entity annotation {m.group(0)!r}: {exc}") from exc
            if not isinstance(spec, dict) or "entity" not in spec:
                raise DataError(f"{where}: annotation {m.group(0)!r} needs an 'entity' key")
            name, value = str(spec["entity"]), str(spec.get("value", surface))
        entities.append(EntitySpan(entity=name, value=value, start=length,
                                         end=length + len(surface)))
        text_parts.append(surface)
        length += len(surface)
        pos = m.end()
    text_parts.append(raw[pos:])
    return Example(text="".join(text_parts).strip(), intent=intent, entities=entities)


def _lines(block: str) -> list[str]:
    out = []
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("- "):
            out.append(line[2:].strip())
    return [line for line in out if line]


def load_nlu(*paths: Path | str) -> NluData:
    """Load Rasa NLU YAML files; DataError names the file and the block on any problem."""
    data = NluData()
    for path in paths:
        path = Path(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(f"{path}: cannot read: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("nlu"), list):
            raise DataError(f"{path}: expected a mapping with an 'nlu' list")
        for i, block in enumerate(doc["nlu"]):
            where = f"{path.name}: nlu -> {i}"
            if not isinstance(block, dict) or not isinstance(block.get("examples"), str):
                raise DataError(f"{where}: each block needs 'examples' as a '|' text block")
            lines = _lines(block["examples"])
            if "intent" in block:
                intent = str(block["intent"])
                data.examples += [parse_example(line, intent, f"{where} ({intent})") for line in lines]
            elif "synonym" in block:
                for line in lines:
                    data.synonyms[line.lower()] = str(block["synonym"])
            elif "lookup" in block:
                data.lookups.setdefault(str(block["lookup"]), []).extend(lines)
            else:
                raise DataError(f"{where}: block must be an intent, synonym or lookup")
    return data
