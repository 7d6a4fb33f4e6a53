"""Rules with no Telegram and no SQL in them: campaign status, quiet hours, places (the
gazetteer, rounding). Tested without a bot or a database."""
