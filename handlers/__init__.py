"""aiogram routers, one package per role, and the one order in which they are tried."""

from aiogram import Router

from handlers import (
    common,
    coordinator,
    errors,
    groups,
    holder,
    membership,
    privacy,
    resident,
    settings,
)


def routers() -> list[Router]:
    """Every router, in the order an update tries them."""
    return [
        groups.create_router(),  # first: in a group, nothing else may answer
        # The most frequent updates first: each router passed costs its filters' checks.
        resident.create_router(),
        common.create_router(),
        privacy.create_router(),
        settings.create_router(),
        membership.create_router(),
        holder.create_router(),
        coordinator.create_router(),
        common.create_fallback_router(),  # what no other router took
        errors.create_router(),
    ]
