"""`python -m bot.fakeapi --port 8081`: the fake Bot API server out of process."""

from bot.fakeapi.cli import main

main()
