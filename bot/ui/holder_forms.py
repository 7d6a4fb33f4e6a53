"""The keyboards of a holder's dialogues: posting news, reporting progress, editing a campaign."""

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.ui.callbacks import CampaignEdit, NewsStep, ProgressStep, RewardEdit


def _news(label: str, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=label, callback_data=NewsStep(action=action).pack())


def news_cancel() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_news(_("holder.form.cancel"), "cancel")]])


def news_skip() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_news(_("holder.form.skip"), "skip"), _news(_("holder.form.cancel"), "cancel")]
        ]
    )


def news_confirm() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_news(_("holder.news.send"), "send")],
            [_news(_("holder.news.edit"), "edit"), _news(_("holder.form.cancel"), "cancel")],
        ]
    )


def news_edit(has_photo: bool, has_link: bool) -> InlineKeyboardMarkup:
    """What the holder may change before sending; the rest of the draft is kept."""
    rows = [[_news(_("holder.news.edit_text"), "text")]]
    if has_photo:
        photo = [_news(_("holder.news.change_photo"), "photo")]
        rows.append([*photo, _news(_("holder.news.remove_photo"), "nophoto")])
    else:
        rows.append([_news(_("holder.news.add_photo"), "photo")])
    if has_link:
        link = [_news(_("holder.news.change_link"), "link")]
        rows.append([*link, _news(_("holder.news.remove_link"), "nolink")])
    else:
        rows.append([_news(_("holder.news.add_link"), "link")])
    rows.append([_news(_("holder.news.back_preview"), "preview")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _progress(label: str, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=label, callback_data=ProgressStep(action=action).pack())


def progress_cancel() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_progress(_("holder.form.cancel"), "cancel")]])


def progress_keep(backers: int) -> InlineKeyboardMarkup:
    keep = _progress(_("holder.progress.keep_backers").format(count=backers), "keep")
    return InlineKeyboardMarkup(
        inline_keyboard=[[keep], [_progress(_("holder.form.cancel"), "cancel")]]
    )


def progress_confirm() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_progress(_("holder.progress.confirm"), "confirm")],
            [_progress(_("holder.form.cancel"), "cancel")],
        ]
    )


def _edit(label: str, what: str, campaign_id: int) -> InlineKeyboardButton:
    data = CampaignEdit(what=what, id=campaign_id).pack()
    return InlineKeyboardButton(text=label, callback_data=data)


def edit_menu(campaign_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_edit(_("holder.edit.description"), "description", campaign_id)],
            [_edit(_("holder.edit.rewards"), "rewards", campaign_id)],
            [
                _edit(_("holder.edit.photo"), "photo", campaign_id),
                _edit(_("holder.edit.link"), "link", campaign_id),
            ],
            [_edit(_("holder.edit.done"), "done", campaign_id)],
        ]
    )


def edit_field(campaign_id: int, remove: tuple[str, str] | None = None) -> InlineKeyboardMarkup:
    """Under a question about one field: remove it (label, what) when it is set, back to the
    menu."""
    rows = []
    if remove is not None:
        rows.append([_edit(remove[0], remove[1], campaign_id)])
    rows.append([_edit(_("holder.edit.back"), "menu", campaign_id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def rewards_menu(campaign_id: int, rewards: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """One button a reward (id, label), then Add and Back."""
    rows = [
        [InlineKeyboardButton(text=label, callback_data=RewardEdit(action="open", id=id_).pack())]
        for id_, label in rewards
    ]
    rows.append([_edit(_("holder.rewards.add"), "addreward", campaign_id)])
    rows.append([_edit(_("holder.edit.back"), "menu", campaign_id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _reward(label: str, action: str, reward_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=label, callback_data=RewardEdit(action=action, id=reward_id).pack()
    )


def reward_menu(reward_id: int, campaign_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _reward(_("holder.rewards.title"), "title", reward_id),
                _reward(_("holder.rewards.price"), "price", reward_id),
                _reward(_("holder.rewards.stock"), "stock", reward_id),
            ],
            [_reward(_("holder.rewards.remove"), "remove", reward_id)],
            [_edit(_("holder.edit.back"), "rewards", campaign_id)],
        ]
    )


def stock_choice(reward_id: int | None, campaign_id: int) -> InlineKeyboardMarkup:
    """Under "how many in stock?": unlimited (for this reward, or the one being added)."""
    if reward_id is None:
        unlimited = _edit(_("holder.rewards.unlimited"), "unlimited", campaign_id)
    else:
        unlimited = _reward(_("holder.rewards.unlimited"), "unlimited", reward_id)
    return InlineKeyboardMarkup(inline_keyboard=[[unlimited]])
