"""Walking what a page hands its templates, to find the untyped dicts among it.

Page data is typed: lists and tuples of frozen dataclasses, model instances and querysets. A
``dict`` (or any other mapping) is ``dict[str, Any]`` once it reaches a template (``row.o``,
``pair.from``) unless a dataclass declares it as a field with a precise type, e.g.
``Mapping[str, int]`` for accounts per segment: then its keys are data (segments, team codes)
and its values have one declared type, which the walk follows into. Each untyped mapping found
is reported with the path that leads to it (``rows[]``, ``data.cohorts[].cells``).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import re
import types
import typing
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from django.contrib.auth.context_processors import PermWrapper
from django.contrib.messages.storage.base import BaseStorage
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models.query import QuerySet
from django.forms import BaseForm, BaseFormSet, BoundField, Widget
from django.http import HttpRequest
from django.utils.functional import LazyObject, Promise, empty

#: Infrastructure that carries its own dicts as Django defines them, not the page's data: not
#: walked into.
OPAQUE: dict[type, str] = {
    HttpRequest: "the request (GET/POST are QueryDicts)",
    BaseForm: "a form keeps its data, initial values and errors as Django defines them",
    BaseFormSet: "as a form",
    BoundField: "as a form",
    Widget: "as a form (attrs)",
    Paginator: "Django's paginator; a page's object_list is walked",
    PermWrapper: "Django's permission look-ups",
    BaseStorage: "Django's messages",
}
#: Items of a list or a queryset looked at: the rows of a page are all of one type.
ITEMS = 20
MAPPINGS = (dict, Mapping, collections.abc.MutableMapping, typing.Mapping, typing.Dict)  # noqa: UP006
SEQUENCES = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Iterable)
INDEX = re.compile(r"\[\d+\]")


@dataclasses.dataclass(frozen=True, slots=True)
class Found:
    """An untyped mapping reached through ``path`` (list indices as ``[]``)."""

    path: str
    kind: str
    keys: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.keys[:6]) + (", …" if len(self.keys) > 6 else "")
        return f"{self.path} is a {self.kind} ({shown})"


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The resolved annotations of a dataclass (none when they do not resolve)."""
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):
        return {}


def _without_none(declared: Any) -> Any:
    if typing.get_origin(declared) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(declared) if a is not type(None)]
        return rest[0] if len(rest) == 1 else None
    return declared


def _precise(declared: Any) -> bool:
    """A type with no ``Any`` or ``object`` anywhere in it."""
    if declared in (Any, object, None):
        return False
    return all(_precise(arg) for arg in typing.get_args(declared) if arg is not Ellipsis)


def _mapping_values(declared: Any) -> Any:
    """``V`` of a declared ``Mapping[K, V]`` / ``dict[K, V]`` with precise K and V, else None."""
    declared = _without_none(declared)
    args = typing.get_args(declared)
    if typing.get_origin(declared) in MAPPINGS and len(args) == 2 and _precise(declared):
        return args[1]
    return None


def _items_type(declared: Any) -> Any:
    """``X`` of a declared ``list[X]``, ``tuple[X, ...]``, ``Sequence[X]``, else None."""
    declared = _without_none(declared)
    args = [a for a in typing.get_args(declared) if a is not Ellipsis]
    if typing.get_origin(declared) in SEQUENCES and len(set(args)) == 1:
        return args[0]
    return None


def _is_kizuna(obj: object) -> bool:
    return type(obj).__module__.startswith("kizuna.")


def _attributes(obj: object, stored: Collection[str]) -> Iterator[tuple[str, Any, Any]]:
    """``(name, value, declared type)`` of each public attribute of a Kizuna object: a
    dataclass's fields, a model's field values, annotations and the attributes a view set on
    it, and the related objects it fetched (a model's field named ``Model.field`` in ``stored``
    left out)."""
    if dataclasses.is_dataclass(obj):
        hints = _hints(type(obj))
        for field in dataclasses.fields(obj):
            yield field.name, getattr(obj, field.name), hints.get(field.name)
        return
    model = type(obj).__name__
    for name, value in getattr(obj, "__dict__", {}).items():
        if not name.startswith("_") and f"{model}.{name}" not in stored:
            yield name, value, None
    for name in getattr(type(obj), "__slots__", ()):
        if not name.startswith("_") and hasattr(obj, name):
            yield name, getattr(obj, name), None
    if isinstance(obj, models.Model):
        for name, value in obj._state.fields_cache.items():
            yield name, value, None


def _items(value: Any) -> list[Any] | None:
    """The first items of a sequence (a queryset evaluated if the template did not), or None."""
    if isinstance(value, QuerySet):
        cached = value._result_cache
        return list(cached[:ITEMS]) if cached is not None else list(value[:ITEMS])
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)[:ITEMS]
    return None


def mappings_in(
    value: Any,
    path: str,
    *,
    seen: set[int],
    stored: Collection[str] = (),
    declared: Any = None,
) -> Iterator[Found]:
    """Every untyped mapping reachable from ``value``, whose type is ``declared`` (None: not
    declared), not walking into a mapping found, nor twice into the same object; ``stored``:
    models' JSON fields (``Model.field``) not looked at."""
    if isinstance(value, LazyObject):
        if value._wrapped is empty:
            value._setup()
        value = value._wrapped
    if value is None or isinstance(value, str | bytes | int | float | Promise) or id(value) in seen:
        return
    seen.add(id(value))
    walk = functools.partial(mappings_in, seen=seen, stored=stored)
    if isinstance(value, Mapping):
        values_type = _mapping_values(declared)
        if values_type is None:
            yield Found(INDEX.sub("[]", path), type(value).__name__, tuple(map(str, value)))
            return
        for key, item in list(value.items())[:ITEMS]:
            yield from walk(item, f"{path}[{key!r}]", declared=values_type)
        return
    if isinstance(value, tuple(OPAQUE)):
        return
    if isinstance(value, Page):
        yield from walk(value.object_list, f"{path}.object_list")
        return
    items = _items(value)
    if items is not None:
        item_type = _items_type(declared)
        for index, item in enumerate(items):
            yield from walk(item, f"{path}[{index}]", declared=item_type)
    elif not isinstance(value, type) and (_is_kizuna(value) or dataclasses.is_dataclass(value)):
        for name, attribute, attribute_type in _attributes(value, stored):
            yield from walk(attribute, f"{path}.{name}", declared=attribute_type)
