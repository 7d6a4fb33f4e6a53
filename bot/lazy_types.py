"""Build aiogram's pydantic models on first use instead of at import.

aiogram 3 rebuilds all of its ~500 Telegram types (and API methods) with `model_rebuild()` when
`aiogram.types` is imported: about 140 MB of validators and 2 s of start-up, most of it for
types this bot never receives. The models are declared with `defer_build=True`, so pydantic can
build each one when it is first validated; it only needs the namespace that aiogram would have
passed to resolve forward references. During aiogram's import we record that namespace on each
class (and in its module, for models built as part of another) instead of building it.
`tests/test_lazy_types.py` checks every type still builds.

This module must be imported before aiogram (bot/__init__.py does it).
"""

import sys
from typing import Any

from pydantic import BaseModel

DEFERRED: list[type[BaseModel]] = []


def _defer_aiogram_types() -> None:
    if "aiogram.types" in sys.modules:
        return  # already imported (and built) elsewhere: nothing to save
    original = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]

    def deferred_rebuild(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        namespace = kwargs.get("_types_namespace")
        if namespace is None or args or len(kwargs) > 1:
            return original(cls, *args, **kwargs)  # type: ignore[no-any-return]
        cls.__pydantic_parent_namespace__ = dict(namespace)
        # A model built later as part of another (a method's schema includes the types it
        # takes) resolves its names in its own module: make them all visible there too.
        module = sys.modules[cls.__module__].__dict__
        for name, value in namespace.items():
            module.setdefault(name, value)
        DEFERRED.append(cls)
        return None

    BaseModel.model_rebuild = classmethod(deferred_rebuild)  # type: ignore[assignment,method-assign]
    try:
        import aiogram.types  # noqa: F401
    finally:
        BaseModel.model_rebuild = classmethod(original)  # type: ignore[method-assign]


_defer_aiogram_types()
