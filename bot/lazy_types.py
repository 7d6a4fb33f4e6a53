"""Build aiogram's pydantic models on first use instead of at import.

aiogram 3 rebuilds all of its ~500 Telegram types (and API methods) with `model_rebuild()` when
`aiogram.types` is imported: about 140 MB of validators and 2 s of start-up, most of it for
types this bot never receives. The models are declared with `defer_build=True`, so pydantic can
build each one when it is first validated; it only needs the namespace that aiogram would have
passed to resolve forward references. During aiogram's import we record that namespace on each
class (and on the API methods, whose schemas include types) instead of building it.
`tests/test_lazy_types.py` checks every type still builds.

This module must be imported before aiogram (bot/__init__.py does it).
"""

import sys
from importlib.metadata import version
from typing import Any

from pydantic import BaseModel

# The release whose import this module intercepts (its model_rebuild calls, its namespaces).
WRITTEN_FOR = "3.31.0"

DEFERRED: list[type[BaseModel]] = []
NAMESPACE: dict[str, Any] = {}


def check_version(found: str) -> None:
    """Fail loudly on another aiogram: what this module relies on is not aiogram's public API."""
    if found != WRITTEN_FOR:
        raise RuntimeError(
            f"bot.lazy_types was written for aiogram {WRITTEN_FOR}, not {found}: check that"
            " tests/test_lazy_types.py passes on it, then update WRITTEN_FOR"
        )


def _defer_aiogram_types() -> None:
    check_version(version("aiogram"))
    if "aiogram.types" in sys.modules:
        return  # already imported (and built) elsewhere: nothing to save
    original = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]

    def deferred_rebuild(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        namespace = kwargs.get("_types_namespace")
        if namespace is None or args or len(kwargs) > 1:
            return original(cls, *args, **kwargs)
        # One namespace dict shared by all the types (a copy each would cost ~30 MB).
        cls.__pydantic_parent_namespace__ = namespace
        NAMESPACE.update(namespace)
        DEFERRED.append(cls)
        return None

    BaseModel.model_rebuild = classmethod(deferred_rebuild)  # type: ignore[assignment,method-assign]
    try:
        import aiogram.methods
        import aiogram.methods.base
        import aiogram.types
        import aiogram.types.base
    finally:
        BaseModel.model_rebuild = classmethod(original)  # type: ignore[assignment,method-assign]
    # API methods are built on first use too; their schemas include the types they take, whose
    # forward references resolve in the namespace of the model being built: give them the types'.
    for name in aiogram.methods.__all__:
        method = getattr(aiogram.methods, name)
        if isinstance(method, type) and issubclass(method, BaseModel):
            method.__pydantic_parent_namespace__ = NAMESPACE
    # So do the subclasses defined later, in this project (e.g. a SendMessage variant).
    for base in (aiogram.methods.base.TelegramMethod, aiogram.types.base.TelegramObject):
        base.__pydantic_init_subclass__ = classmethod(_give_namespace)  # type: ignore[assignment]


def _give_namespace(cls: type[BaseModel], **_kwargs: Any) -> None:
    if cls.__pydantic_parent_namespace__ is None:
        cls.__pydantic_parent_namespace__ = NAMESPACE
    else:
        cls.__pydantic_parent_namespace__ = {**NAMESPACE, **cls.__pydantic_parent_namespace__}


_defer_aiogram_types()
