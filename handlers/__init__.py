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
        # Before the residents' handlers: a holder's dialogue (news, a poster's tag) takes what
        # they type while it waits, even before they said where they live (which would
        # otherwise read any text as a place). Residents pass it at the cost of one role check.
        holder.create_router(),
        # A coordinator's reason for a decision and the campaign file an import awaits, for the
        # same reason (and the file before the operation files' handler takes any JSON file).
        coordinator.moderation.create_reason_router(),
        coordinator.imports.create_waiting_router(),
        # The most frequent updates first: each router passed costs its filters' checks.
        resident.create_router(),
        invitations.create_router(),  # `/start h_<token>`, before common takes every /start
        common.create_router(),
        privacy.create_router(),
        settings.create_router(),
        membership.create_router(),
        coordinator.create_router(),
        common.create_fallback_router(),  # what no other router took
        errors.create_router(),
    ]
