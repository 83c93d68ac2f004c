"""Read the YAML data files staff edit, with errors that name the file and line, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import DataError


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML would keep the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a key must be plain text", key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice (first on line {seen[key]})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class Located:
    """A parsed YAML document with the line of every mapping key and list item, for error messages."""

    def __init__(self, data: Any, node: yaml.Node | None) -> None:
        self.data = data
        self.node = node

    def line(self, *path: Any) -> int | None:
        """1-based line of the value at path (keys and list indexes), or of its nearest parent."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for step in path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == step:
                        node, line = value_node, key_node.start_mark.line + 1
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def read_yaml(path: Path | str, text: str | None = None) -> Located:
    """Parse a YAML file strictly; raise DataError with the file and line of a syntax mistake."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataError(path, None, "the file does not exist") from None
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise DataError(path, line, "the file is not valid UTF-8") from None
        except OSError as exc:
            raise DataError(path, None, f"cannot be read ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "not valid YAML"
        raise DataError(path, line, f"YAML error: {problem}") from None
    except yaml.YAMLError as exc:
        raise DataError(path, None, f"YAML error: {exc}") from None
    return Located(data, node)
