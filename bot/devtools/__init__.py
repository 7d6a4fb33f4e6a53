"""Tools for developers, tests and benchmarks: the fake Bot API and the terminal sandbox."""
