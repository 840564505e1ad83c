"""Block Kit validation for tests: the shared JSON Schema plus the limits it does not enforce.

    assert_valid_view(modal)            # views.open / views.update / views.push payload
    assert_valid_home(home)             # views.publish payload
    assert_valid_message(blocks, text)  # chat.postMessage / chat.update / respond()

Failures raise AssertionError listing every problem with its JSON path, e.g.
`$.blocks[3].accessory.text.text: 80 characters, limit 75 ("Reconnect your ...")`.
`view_errors()` / `message_errors()` return the same problems as a list instead.

The schema is /work/shared/vendor-apis/slack-block-kit.schema.json (found relative to the
repository), or the file named by the environment variable BLOCK_KIT_SCHEMA.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

SCHEMA_IN_SHARED = Path("shared/vendor-apis/slack-block-kit.schema.json")
# The shared folder sits beside the project root; a clone elsewhere (CI, /tmp) finds the
# workplace copy instead.
SCHEMA_PLACES = (
    Path(__file__).resolve().parents[2].parent / SCHEMA_IN_SHARED,
    Path("/work") / SCHEMA_IN_SHARED,
)

MAX_BLOCKS = {"modal": 100, "home": 100, "message": 50}
MAX_MESSAGE_TEXT = 40_000
SURFACE_TEXT_LIMIT = 24  # modal title / submit / close
PRIVATE_METADATA_LIMIT = 3000
ID_LIMIT = 255  # block_id, action_id, callback_id, external_id
SECTION_TEXT_LIMIT = 3000
SECTION_FIELD_LIMIT = 2000
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
MAX_SELECT_OPTIONS = 100
TEXT_OBJECT_LIMIT = 3000

_SURFACE_DEFS = {"modal": "modal_view", "home": "home_view"}
_STATIC_SELECTS = {"static_select", "multi_static_select"}


def schema_path() -> Path:
    if named := os.environ.get("BLOCK_KIT_SCHEMA"):
        return Path(named)
    return next((p for p in SCHEMA_PLACES if p.is_file()), SCHEMA_PLACES[0])


@cache
def _schema() -> dict[str, Any]:
    path = schema_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"Block Kit schema not found at {path}; set BLOCK_KIT_SCHEMA to its location"
        )
    schema = json.loads(path.read_text(encoding="utf-8"))
    missing = {"block", *_SURFACE_DEFS.values()} - set(schema.get("$defs", {}))
    if missing:
        raise ValueError(f"{path} has no $defs {sorted(missing)}; is it the Block Kit schema?")
    return schema


@cache
def _validator(ref: str) -> Draft202012Validator:
    """A validator whose root is `{"$ref": "#/$defs/<ref>"}`, keeping the schema's $defs."""
    schema = _schema()
    wrapper = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{ref}"}
    return Draft202012Validator(wrapper, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _surface_validator(kind: str) -> Draft202012Validator:
    """The modal/home envelope with `blocks` items left to `_block_schema_errors` (faster)."""
    schema = _schema()
    surface = copy.deepcopy(schema["$defs"][_SURFACE_DEFS[kind]])
    surface["properties"]["blocks"]["items"] = True
    wrapper = {"$schema": schema["$schema"], "$defs": schema["$defs"], **surface}
    return Draft202012Validator(wrapper, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _block_refs() -> frozenset[str]:
    return frozenset(b["$ref"].rsplit("/", 1)[1] for b in _schema()["$defs"]["block"]["oneOf"])


def _block_schema_errors(blocks: Any, root: str) -> Iterator[tuple[str, ValidationError]]:
    """Each block against its own `<type>_block` definition (the `block` union otherwise).

    Same verdict as validating against the `block` oneOf, about 20 times faster, and errors
    name the block type that was meant.
    """
    if not isinstance(blocks, list):
        return
    for i, block in enumerate(blocks):
        ref = f"{block.get('type')}_block" if isinstance(block, dict) else ""
        validator = _validator(ref if ref in _block_refs() else "block")
        for error in validator.iter_errors(block):
            yield f"{root}[{i}]", error


# ---------------------------------------------------------------------- public API


def view_errors(view: Any) -> list[str]:
    """Problems with a modal or home view (chosen by its `type`); empty when valid."""
    kind = view.get("type") if isinstance(view, dict) else None
    if kind not in _SURFACE_DEFS:
        return [f"$.type: expected 'modal' or 'home', got {_short(kind)}"]
    return _surface_errors(kind, view)


def message_errors(blocks: Any, text: str | None = None) -> list[str]:
    """Problems with a message's blocks (and its fallback `text`); empty when valid."""
    if not isinstance(blocks, list):
        return [f"$.blocks: expected a list of blocks, got {type(blocks).__name__}"]
    problems = _limit_errors("message", blocks)
    if text is not None and not isinstance(text, str):
        problems.append(f"$.text: expected a string, got {type(text).__name__}")
    elif text is not None and len(text) > MAX_MESSAGE_TEXT:
        problems.append(f"$.text: {len(text)} characters, limit {MAX_MESSAGE_TEXT}")
    if not blocks and not text:
        problems.append("$: a message needs blocks or a non-empty text")
    return _merge(problems, _block_schema_errors(blocks, "$.blocks"))


def assert_valid_view(view: dict[str, Any]) -> None:
    """Assert that `view` is a valid modal (views.open / views.update / views.push)."""
    _assert(_surface_errors("modal", view), "modal view", view)


def assert_valid_home(view: dict[str, Any]) -> None:
    """Assert that `view` is a valid App Home tab (views.publish)."""
    _assert(_surface_errors("home", view), "home view", view)


def assert_valid_message(blocks: list[dict[str, Any]], text: str | None = None) -> None:
    """Assert that `blocks` (and fallback `text`) make a valid message (≤ 50 blocks)."""
    _assert(message_errors(blocks, text), "message", None)


# ---------------------------------------------------------------------- checks


def _assert(problems: list[str], what: str, view: Any) -> None:
    if not problems:
        return
    where = ""
    if isinstance(view, dict) and view.get("callback_id"):
        where = f" (callback_id {view['callback_id']!r})"
    lines = "\n".join(f"  - {p}" for p in problems)
    raise AssertionError(f"Invalid {what}{where}: {len(problems)} problem(s)\n{lines}")


def _surface_errors(kind: str, view: Any) -> list[str]:
    if not isinstance(view, dict):
        return [f"$: expected a view object, got {type(view).__name__}"]
    problems: list[str] = []
    if view.get("type") != kind:
        problems.append(f"$.type: expected {kind!r}, got {_short(view.get('type'))}")
    blocks = view.get("blocks")
    if isinstance(blocks, list):
        problems += _limit_errors(kind, blocks, "$.blocks")
    if kind == "modal":
        for key in ("title", "submit", "close"):
            obj = view.get(key)
            if isinstance(obj, dict):
                problems += _max_len(obj.get("text"), SURFACE_TEXT_LIMIT, f"$.{key}.text")
    problems += _max_len(view.get("private_metadata"), PRIVATE_METADATA_LIMIT, "$.private_metadata")
    for key in ("callback_id", "external_id"):
        problems += _max_len(view.get(key), ID_LIMIT, f"$.{key}")
    errors = itertools.chain(
        (("$", e) for e in _surface_validator(kind).iter_errors(view)),
        _block_schema_errors(blocks, "$.blocks"),
    )
    return _merge(problems, errors)


def _limit_errors(kind: str, blocks: list[Any], root: str = "$.blocks") -> list[str]:
    problems: list[str] = []
    limit = MAX_BLOCKS[kind]
    if len(blocks) > limit:
        problems.append(f"{root}: {len(blocks)} blocks, a {kind} allows at most {limit}")
    seen: dict[str, str] = {}
    for i, block in enumerate(blocks):
        path = f"{root}[{i}]"
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen:
                problems.append(
                    f"{path}.block_id: duplicate block_id {block_id!r} (also at {seen[block_id]})"
                )
            seen.setdefault(block_id, path)
            problems += _max_len(block_id, ID_LIMIT, f"{path}.block_id")
        problems += _block_errors(block, path)
    return problems


def _block_errors(block: dict[str, Any], block_path: str) -> list[str]:
    problems: list[str] = []
    action_ids: dict[str, str] = {}
    for path, node in _walk(block, block_path):
        if node is not block and isinstance(node.get("action_id"), str):
            action_id = node["action_id"]
            if action_id in action_ids:
                problems.append(
                    f"{path}.action_id: duplicate action_id {action_id!r} in one block "
                    f"(also at {action_ids[action_id]})"
                )
            action_ids.setdefault(action_id, path)
            problems += _max_len(action_id, ID_LIMIT, f"{path}.action_id")
        problems += _node_errors(node, path)
    return problems


def _node_errors(node: dict[str, Any], path: str) -> list[str]:
    kind = node.get("type")
    problems: list[str] = []
    if kind in ("plain_text", "mrkdwn"):
        text = node.get("text")
        if isinstance(text, str) and not text:
            problems.append(f"{path}.text: empty {kind} text")
        problems += _max_len(text, TEXT_OBJECT_LIMIT, f"{path}.text")
    elif kind == "header":
        problems += _text_len(node, "text", HEADER_TEXT_LIMIT, path)
    elif kind == "section":
        problems += _text_len(node, "text", SECTION_TEXT_LIMIT, path)
        fields = node.get("fields")
        if isinstance(fields, list):
            for i, f in enumerate(fields):
                if isinstance(f, dict):
                    problems += _max_len(f.get("text"), SECTION_FIELD_LIMIT, f"{path}.fields[{i}]")
    elif kind == "button":
        problems += _text_len(node, "text", BUTTON_TEXT_LIMIT, path)
        problems += _max_len(node.get("value"), BUTTON_VALUE_LIMIT, f"{path}.value")
    if kind in _STATIC_SELECTS:
        options = node.get("options")
        if isinstance(options, list) and len(options) > MAX_SELECT_OPTIONS:
            problems.append(
                f"{path}.options: {len(options)} options, limit {MAX_SELECT_OPTIONS} per select"
            )
        groups = node.get("option_groups")
        if isinstance(groups, list):
            total = sum(len(g.get("options") or []) for g in groups if isinstance(g, dict))
            if total > MAX_SELECT_OPTIONS:
                problems.append(
                    f"{path}.option_groups: {total} options, limit {MAX_SELECT_OPTIONS} per select"
                )
    for key in ("options", "initial_options"):
        if isinstance(node.get(key), list):
            for i, option in enumerate(node[key]):
                problems += _option_errors(option, f"{path}.{key}[{i}]")
    if "initial_option" in node:
        problems += _option_errors(node["initial_option"], f"{path}.initial_option")
    return problems


def _option_errors(option: Any, path: str) -> list[str]:
    if not isinstance(option, dict):
        return []
    return _text_len(option, "text", OPTION_TEXT_LIMIT, path) + _max_len(
        option.get("value"), OPTION_VALUE_LIMIT, f"{path}.value"
    )


def _text_len(node: dict[str, Any], key: str, limit: int, path: str) -> list[str]:
    obj = node.get(key)
    return _max_len(obj.get("text"), limit, f"{path}.{key}.text") if isinstance(obj, dict) else []


def _max_len(value: Any, limit: int, path: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"{path}: {len(value)} characters, limit {limit} ({_short(value)})"]
    return []


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


# ---------------------------------------------------------------------- schema errors


def _merge(problems: list[str], errors: Iterable[tuple[str, ValidationError]]) -> list[str]:
    """Our own problems first, then schema errors at paths not already reported."""
    result = list(dict.fromkeys(problems))
    reported = {p.split(":", 1)[0] for p in result}
    for root, error in errors:
        for leaf in _leaves(error):
            path = _json_path(root, leaf.absolute_path)
            line = f"{path}: {_describe(leaf)}"
            if path not in reported and line not in result:
                result.append(line)
    return result


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """Resolve oneOf/anyOf failures to the branch the instance was meant to match.

    A branch is ruled out when it fails on the `type` discriminator (e.g. a header block is
    not a section block); when exactly one branch is left, its errors are the real ones.
    """
    if error.validator in ("oneOf", "anyOf") and error.context:
        plausible = [errs for errs in _branches(error) if not _wrong_type(errs)]
        if len(plausible) == 1:
            for sub in plausible[0]:
                yield from _leaves(sub)
            return
    yield error


def _branches(error: ValidationError) -> list[list[ValidationError]]:
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context or []:
        branches[sub.relative_schema_path[0]].append(sub)
    return list(branches.values())


def _wrong_type(errors: list[ValidationError]) -> bool:
    return any(e.validator in ("const", "enum") and list(e.path) == ["type"] for e in errors)


def _describe(error: ValidationError) -> str:
    value, arg = error.instance, error.validator_value
    match error.validator:
        case "maxLength":
            return f"{len(value)} characters, limit {arg} ({_short(value)})"
        case "minLength":
            return f"{len(value)} characters, at least {arg} required"
        case "maxItems":
            return f"{len(value)} items, limit {arg}"
        case "minItems":
            return f"{len(value)} items, at least {arg} required"
        case "const":
            return f"must be {arg!r}, got {_short(value)}"
        case "oneOf" | "anyOf":
            return _describe_union(error)
    message = error.message
    return message if len(message) <= 300 else message[:300] + "..."


def _describe_union(error: ValidationError) -> str:
    branches = _branches(error)
    kind = error.instance.get("type") if isinstance(error.instance, dict) else None
    if not branches:
        return f"matches more than one alternative ({error.validator})"
    if all(_wrong_type(errs) for errs in branches):
        return f"type {kind!r} is not allowed here"
    alternatives = []
    for errs in branches:
        best = best_match(errs)
        where = _json_path("", best.path)
        alternatives.append(f"{where.lstrip('.') + ': ' if where else ''}{_describe(best)}")
    if len(alternatives) <= 4:
        return "matches no alternative: " + " | ".join(alternatives)
    return f"not a valid {kind or 'value'} here (e.g. {alternatives[0]})"


def _json_path(root: str, parts: Sequence[str | int] | Any) -> str:
    out = root
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
