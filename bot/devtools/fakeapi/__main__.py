"""`python -m bot.devtools.fakeapi --port 8081`: the fake Bot API server out of process."""

from bot.devtools.fakeapi.cli import main

main()
