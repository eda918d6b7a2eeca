"""The safe YAML reader: unique keys, no tags beyond the safe ones, limits on
size, depth, alias expansion and the number of values; one line per problem."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import yaml

from planner.io.errors import InstanceError, one_line

MAX_FILE_BYTES = 50 * 1024 * 1024


MAX_DEPTH = 64  # nesting levels of a YAML file; an instance needs about 6


MAX_ALIAS_EXPANSION = 1_000_000  # values that YAML aliases may add to a file


# What an instance may hold (docs/model-notes.md): a portfolio of 10,000
# sites as 'planner generate' writes it is about 450,000 values (3.5 MB, 7 s
# to validate); past these limits the schema's work and memory run away.
MAX_NODES = 2_000_000  # values in a file: scalars, lists, mappings and keys


MAX_LIST_ITEMS = 100_000  # entries of one list or mapping


# libyaml's parser when PyYAML has it (several times faster), else PyYAML's own.
_SafeLoader: Any = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _UniqueKeyLoader(_SafeLoader):
    """Safe YAML loading that refuses a key given twice in one mapping, so that
    nothing a user wrote is silently dropped, and reads ``1e3`` as a number
    (YAML 1.2, and JSON) rather than as the text '1e3' (YAML 1.1)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<: *defaults' merges; explicit keys override merged ones
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool, type(None))):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "a key must be a plain value, not a list or mapping",
                key_node.start_mark,
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice", key_node.start_mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _check_nodes(root: yaml.Node) -> str | None:
    """Why a composed YAML document is refused before it is built into Python
    objects, or None: nested too deeply, an alias that contains itself, or
    aliases that would expand it past MAX_ALIAS_EXPANSION values ("billion
    laughs"). Iterative, and linear in the number of distinct nodes."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]

    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        return []

    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if height[key] > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep"
            continue
        if key in size:
            continue
        if key in on_path:
            return "an alias refers to a node that contains it (a recursive structure)"
        on_path.add(key)
        stack.append((node, True))
        for kid in children(node):
            if id(kid) in on_path:
                return "an alias refers to a node that contains it (a recursive structure)"
            if id(kid) not in size:
                stack.append((kid, False))
        if len(on_path) > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
    distinct = len(size)
    if size[id(root)] > distinct + MAX_ALIAS_EXPANSION:
        return f"YAML aliases expand to over {MAX_ALIAS_EXPANSION:,} values"
    return None


def _too_much(text: str) -> str | None:
    """Why a YAML document is refused before it is composed, found from the
    parser's events alone (bounded memory), or None: collections nested more
    than MAX_DEPTH levels (composing recurses once per level, in C with
    libyaml, where it is not caught but crashes the process), more than
    MAX_NODES values, or a list or mapping of more than MAX_LIST_ITEMS."""
    open_counts: list[list] = []  # [children so far, is a mapping] of each open collection
    nodes = 0
    node_events = (
        yaml.ScalarEvent,
        yaml.AliasEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, node_events):
            nodes += 1
            if nodes > MAX_NODES:
                return f"more than {MAX_NODES:,} values (the limit of an instance file)"
            if open_counts:
                parent = open_counts[-1]
                parent[0] += 1
                if parent[0] > MAX_LIST_ITEMS * (2 if parent[1] else 1):
                    what = "a mapping holds" if parent[1] else "a list holds"
                    return (
                        f"{what} more than {MAX_LIST_ITEMS:,} entries (line "
                        f"{event.start_mark.line + 1}; the limit of one list)"
                    )
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                open_counts.append([0, isinstance(event, yaml.MappingStartEvent)])
                if len(open_counts) > MAX_DEPTH:
                    return f"nested more than {MAX_DEPTH} levels deep"
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            open_counts.pop()
    return None


def data_limits(data: Any) -> str | None:
    """The limits of :func:`_too_much` on data already built (a mapping
    given to :func:`~planner.io.load.parse_instance`), or None. Iterative."""
    nodes = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"more than {MAX_NODES:,} values (the limit of an instance)"
        if isinstance(node, Mapping):
            kids: Any = [v for pair in node.items() for v in pair]
        elif isinstance(node, (list, tuple)):
            kids = node
        else:
            continue
        if len(node) > MAX_LIST_ITEMS:
            return f"a list or mapping holds {len(node):,} entries, more than {MAX_LIST_ITEMS:,}"
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        stack.extend((kid, depth + 1) for kid in kids)
    return None


def _parse_yaml(text: str, source: str) -> Any:
    refused = _too_much(text)
    if refused:
        raise InstanceError([f"{source}: refused: {refused}"])
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        refused = _check_nodes(node)
        if refused:
            raise InstanceError([f"{source}: refused: {refused}"])
        return loader.construct_document(node)
    finally:
        loader.dispose()


def parse_yaml(text: str, source: str) -> Any:
    """The document of YAML ``text``, read with the guards of
    :func:`read_yaml` (nesting depth, alias expansion, duplicate keys);
    raises InstanceError or yaml.YAMLError."""
    return _parse_yaml(text, source)


def read_yaml(path: str | os.PathLike) -> Any:
    """Read an instance file's mapping, refusing unreadable, huge or malformed
    files with one clear line."""
    source = one_line(str(path))
    if os.path.isdir(path):
        raise InstanceError([f"{source}: is a directory, not an instance file"])
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise InstanceError([_too_big(source, size)])
        with open(path, "rb") as fh:
            # A pipe or device reports no size: read at most one byte too many.
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InstanceError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InstanceError([_too_big(source, None)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InstanceError(
            [f"{source}: not a text file (expected UTF-8 YAML), byte {exc.start} is not UTF-8"]
        ) from None
    if not text.strip():
        raise InstanceError([f"{source}: the file is empty"])
    try:
        data = _parse_yaml(text, source)
    except InstanceError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        detail = f"{problem} ({context})" if context else problem
        raise InstanceError([f"{source}: {where}not valid YAML: {detail}"]) from None
    except RecursionError:
        raise InstanceError(
            [f"{source}: not valid YAML: nested more than {MAX_DEPTH} levels deep"]
        ) from None
    except Exception as exc:  # noqa: BLE001 (a value YAML cannot build, e.g. a 5000-digit int)
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "integer string conversion" in detail:
            detail = "a number has more than 4300 digits"
        raise InstanceError([f"{source}: not valid YAML: {detail}"]) from None
    if data is None:
        raise InstanceError([f"{source}: the file holds no instance (empty, or only comments)"])
    return data


def _too_big(source: str, size: int | None) -> str:
    if MAX_FILE_BYTES % 2**20 == 0:
        limit = f"{MAX_FILE_BYTES // 2**20} MB"
    else:
        limit = f"{MAX_FILE_BYTES:,} bytes"
    if size is None:
        return f"{source}: file is over the {limit} limit"
    return f"{source}: file is {size / 2**20:.0f} MB, over the {limit} limit"
