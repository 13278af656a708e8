"""Every public module, class and function has a docstring, and pydoc shows where to start.

"Public" is what a module lists in ``__all__`` (every module of the package has one; a
module without it fails here too), walked over every module whose dotted name has no
part starting with ``_``; for classes, also their public methods and properties.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import pydoc
import types
from collections.abc import Iterator
from typing import Any

import chanuka_db


def public_modules() -> Iterator[types.ModuleType]:
    yield chanuka_db
    for found in pkgutil.walk_packages(chanuka_db.__path__, "chanuka_db."):
        if not any(part.startswith("_") for part in found.name.split(".")):
            yield importlib.import_module(found.name)


def _undocumented(thing: Any) -> bool:
    # The object's own docstring: inspect.getdoc would inherit a base class's.
    return not (thing.__doc__ or "").strip()


def _members(cls: type) -> Iterator[tuple[str, Any]]:
    """A class's own public methods and properties (inherited ones are checked at home)."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        function = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
        if inspect.isfunction(function):
            yield name, function


def problems(module: types.ModuleType) -> list[str]:
    """What is missing in ``module``: its docstring, ``__all__``, or a public docstring."""
    found = []
    if _undocumented(module):
        found.append(f"{module.__name__}: no module docstring")
    names = getattr(module, "__all__", None)
    if names is None:
        return [*found, f"{module.__name__}: no __all__"]
    for name in names:
        thing = getattr(module, name)
        if not (inspect.isclass(thing) or inspect.isfunction(thing)):
            continue  # constants and instances carry no docstring of their own
        if _undocumented(thing):
            found.append(f"{module.__name__}.{name}")
        if inspect.isclass(thing):
            found += [
                f"{module.__name__}.{name}.{member}"
                for member, function in _members(thing)
                if _undocumented(function)
            ]
    return found


def test_every_public_module_class_and_function_has_a_docstring() -> None:
    modules = list(public_modules())
    assert len(modules) > 60
    missing = [problem for module in modules for problem in problems(module)]
    assert missing == []


def test_the_walk_finds_what_is_missing() -> None:
    fake = types.ModuleType("chanuka_db.fake")

    class Documented:
        """Has one."""

        def method(self) -> None:
            pass

        @property
        def value(self) -> int:
            return 1

    def function() -> None:
        pass

    fake.Documented, fake.function, fake.LIMIT = Documented, function, 5  # type: ignore[attr-defined]
    fake.__all__ = ["LIMIT", "Documented", "function"]  # type: ignore[attr-defined]
    assert problems(fake) == [
        "chanuka_db.fake: no module docstring",
        "chanuka_db.fake.Documented.method",
        "chanuka_db.fake.Documented.value",
        "chanuka_db.fake.function",
    ]
    del fake.__all__  # type: ignore[attr-defined]
    fake.__doc__ = "A module."
    assert problems(fake) == ["chanuka_db.fake: no __all__"]


def test_pydoc_of_the_package_says_where_to_start() -> None:
    page = pydoc.render_doc(chanuka_db, renderer=pydoc.plaintext)
    for pointer in (
        "Database.from_env()",
        "db.unit_of_work(actor=user_id)",
        "db.repos.bills.get(7)",
        "chanuka_db.repositories",
        "chanuka_db.legacy",
        "docs/usage.md",
        "docs/migrating.md",
    ):
        assert pointer in page, pointer
