"""Factories: the Bot, and the Dispatcher with its middlewares and routers."""

from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import handlers
from bot.domain.gazetteer import Gazetteer
from bot.i18n import UserLocaleMiddleware
from bot.menus import RoleMenus
from bot.middlewares import (
    CommitBeforeSending,
    DbSessionMiddleware,
    KeepAnswerTypes,
    UnchangedEditIsDone,
    UserMiddleware,
)
from bot.readmodels.sync import ReadModels
from bot.readmodels.user_cache import sqlite_reader
from bot.settings import Settings
from bot.webhook_reply import AnswerInWebhookReply
from storage.models import utcnow


def create_bot(settings: Settings, token: str | None = None) -> Bot:
    session = None
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(
        token=token or settings.bot_token or "",
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
    bot.session.middleware(AnswerInWebhookReply())  # first: a kept answer makes no request
    bot.session.middleware(KeepAnswerTypes())
    bot.session.middleware(CommitBeforeSending())
    bot.session.middleware(UnchangedEditIsDone())
    return bot


def create_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    gazetteer: Gazetteer,
    i18n: I18n,
    clock: Callable[[], datetime] = utcnow,
) -> Dispatcher:
    engine = sessionmaker.kw["bind"]
    read_models = ReadModels(
        settings.read_model_max_age,
        settings.user_cache_size,
        user_reader=sqlite_reader(engine),
        page_cache_size=settings.page_cache_size,
    )
    dp = Dispatcher(
        storage=MemoryStorage(),
        settings=settings,
        gazetteer=gazetteer,
        clock=clock,
        read_models=read_models,
        # For work that owns its transactions, as a job does (a coordinator's "Sync now").
        sessionmaker=sessionmaker,
    )
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker, read_models))
    dp.update.outer_middleware(
        UserMiddleware(
            read_models, settings.default_radius_km, settings.default_locale, settings.admin_ids
        )
    )
    dp.update.outer_middleware(RoleMenus(i18n, settings.default_locale))
    UserLocaleMiddleware(i18n).setup(dp)
    dp.include_routers(*handlers.routers())
    return dp
