"""Read the YAML data files staff edit, with errors that name the file and line, never a traceback.

PyYAML is imported on first use only: an engine loaded from the index cache never needs it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import DataError
from .files import read_text


@lru_cache(maxsize=1)
def _strict_loader() -> type:
    """A safe loader (libyaml's parser where PyYAML has it) that refuses a key given twice."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):  # type: ignore[misc, valid-type]
        """YAML would silently keep the last of two equal keys; staff should hear about it."""

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict:
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

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return StrictLoader


class Located:
    """A parsed YAML document with the line of every mapping key and list item, for error messages.

    node may be None (data kept in the index cache): then no line is known.
    """

    def __init__(self, data: Any, node: Any) -> None:
        self.data = data
        self.node = node

    def line(self, *path: Any) -> int | None:
        """1-based line of the value at path (keys and list indexes), or of its nearest parent."""
        node = self.node
        if node is None:
            return None
        import yaml

        line = node.start_mark.line + 1
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
    import yaml

    path = Path(path)
    if text is None:
        text = read_text(path)
    loader = _strict_loader()
    try:
        node = yaml.compose(text, Loader=loader.__mro__[1])
        data = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "not valid YAML"
        raise DataError(path, line, f"YAML error: {problem}") from None
    except yaml.YAMLError as exc:
        raise DataError(path, None, f"YAML error: {exc}") from None
    return Located(data, node)
