"""Read scenario documents from YAML or JSON and turn them into validated scenarios.

A document becomes a :class:`~meclab.scenario.model.Scenario` only when it has no problem at all;
otherwise :class:`~meclab.scenario.errors.ScenarioError` lists every problem, each with the path
of the bad field and, for YAML, its line. Duplicate keys are errors (YAML and JSON parsers
otherwise keep the last one silently).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, TypeGuard

import yaml
from pydantic import ValidationError

from meclab.scenario.errors import Issue, PathPart, ScenarioError, format_path
from meclab.scenario.model import Scenario
from meclab.scenario.references import check_references
from meclab.scenario.shape import MAX_DEPTH, check_shape

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        self.key, self.line = key, line


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader that refuses duplicate mapping keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # the base constructor reports it as a YAML error, with its line
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping
)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _looks_like_json(text: str, source: str | None) -> bool:
    if source and source.endswith(".json"):
        return True
    return text.lstrip().startswith("{")


def _is_yaml(text: str | None, source: str | None) -> TypeGuard[str]:
    return text is not None and not _looks_like_json(text, source)


_TOO_DEEP = f"nested too deeply to read (scenarios nest at most {MAX_DEPTH} levels)"


def parse_document(text: str, source: str | None = None) -> Any:
    """Parse YAML or JSON text into plain data; syntax errors become a ScenarioError."""
    if _looks_like_json(text, source):
        try:
            return json.loads(text, object_pairs_hook=_json_pairs)
        except json.JSONDecodeError as exc:
            raise ScenarioError(
                [Issue("", f"invalid JSON: {exc.msg}", exc.lineno)], source
            ) from exc
        except RecursionError as exc:
            raise ScenarioError([Issue("", _TOO_DEEP)], source) from exc
        except ValueError as exc:
            raise ScenarioError([Issue("", f"invalid JSON: {exc}")], source) from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _DuplicateKey as exc:
        raise ScenarioError([Issue("", f"duplicate key {exc.key!r}", exc.line)], source) from exc
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ScenarioError([Issue("", f"invalid YAML: {exc.problem}", line)], source) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError([Issue("", f"invalid YAML: {exc}")], source) from exc
    except RecursionError as exc:  # the pure-Python loader, where libyaml is not built
        raise ScenarioError([Issue("", _TOO_DEEP)], source) from exc


def _describe(error: Mapping[str, Any]) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] != "missing" and "input" in error:
        shown = repr(error["input"])
        if len(shown) <= 60:
            message += f" (got {shown})"
    return message


def pydantic_issues(exc: ValidationError) -> list[Issue]:
    """One Issue per error of a pydantic validation, at the path of its field."""
    return [
        Issue(format_path(_clean_loc(err["loc"])), _describe(err))
        for err in exc.errors(include_url=False)
    ]


def _clean_loc(loc: tuple[PathPart, ...]) -> tuple[PathPart, ...]:
    # pydantic names validator functions in locations of annotated types, and marks a bad
    # mapping key with "[key]" after the key itself; neither is a field.
    return tuple(
        p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
    )


def _yaml_lines(text: str) -> dict[str, int]:
    """Map each path in a YAML document to the line its value starts on."""
    try:
        root = yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    # Iterative: a document may nest as deep as libyaml allows, deeper than Python recurses.
    stack: list[tuple[yaml.Node, tuple[PathPart, ...]]] = [] if root is None else [(root, ())]
    seen: set[int] = set()  # an aliased node is located where it is first written
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        lines[format_path(path)] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines[format_path((*path, key.value))] = key.start_mark.line + 1
                    stack.append((value, (*path, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((value, (*path, index)) for index, value in enumerate(node.value))
    return lines


def locate_issues(issues: list[Issue], text: str) -> list[Issue]:
    """The issues with the YAML line of their field (or of the nearest enclosing one)."""
    lines = _yaml_lines(text)
    located = []
    for issue in issues:
        path = issue.path
        line = lines.get(path)
        # A missing field has no line of its own: point at the nearest enclosing element.
        while line is None and path:
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
            line = lines.get(path)
        located.append(Issue(issue.path, issue.message, line))
    return located


def validate_document(doc: Any, source: str | None = None, text: str | None = None) -> Scenario:
    """Turn parsed data into a Scenario, or raise ScenarioError with every problem found."""
    issues = check_shape(doc)  # before anything walks it recursively
    scenario: Scenario | None = None
    if issues:
        located = locate_issues(issues, text) if _is_yaml(text, source) else issues
        raise ScenarioError(located, source)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        issues.extend(pydantic_issues(exc))
    issues.extend(check_references(doc))
    if issues:
        if _is_yaml(text, source):
            issues = locate_issues(issues, text)
        raise ScenarioError(issues, source)
    assert scenario is not None  # no issues means pydantic accepted it
    return scenario


def load_text(text: str, source: str | None = None) -> Scenario:
    """Parse and validate a scenario given as YAML or JSON text."""
    return validate_document(parse_document(text, source), source, text)


def load_file(path: str | Path) -> Scenario:
    """Read, parse and validate a scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([Issue("", f"cannot read: {exc.strerror}")], str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError([Issue("", "not UTF-8 text")], str(path)) from exc
    return load_text(text, str(path))


def dump_yaml(scenario: Scenario) -> str:
    """The scenario as YAML, with defaults left out so the file stays readable."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    return yaml.dump(data, Dumper=_BaseDumper, sort_keys=False, allow_unicode=True, width=100)


def dump_json(scenario: Scenario) -> str:
    """The scenario as JSON, with defaults left out."""
    return scenario.model_dump_json(exclude_defaults=True)
