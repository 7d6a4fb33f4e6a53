"""aiogram routers, one package per role, and the one order in which they are tried."""

from aiogram import Router

from handlers import (
    common,
    coordinator,
    errors,
    groups,
    holder,
    inline,
    invitations,
    membership,
    privacy,
    resident,
    settings,
)


def routers() -> list[Router]:
    """Every router, in the order an update tries them."""
    return [
        groups.create_router(),  # first: in a group, nothing else may answer
        inline.create_router(),  # inline queries only (`@bot words` typed in any chat)
        # The most frequent updates first: each router passed costs its filters' checks.
        # Residents' handlers leave alone text typed while a dialogue waits for it
        # (handlers.resident.places.needs_place), so the dialogues of the routers below get it.
        resident.create_router(),
        holder.create_router(),
        # A coordinator's reason for a decision and the campaign file an import awaits (the
        # file before the operation files' handler takes any JSON file).
        coordinator.moderation.create_reason_router(),
        coordinator.imports.create_waiting_router(),
        invitations.create_router(),  # `/start h_<token>`, before common takes every /start
        common.create_router(),
        privacy.create_router(),
        settings.create_router(),
        membership.create_router(),
        coordinator.create_router(),
        common.create_fallback_router(),  # what no other router took
        errors.create_router(),
    ]
