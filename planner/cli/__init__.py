"""The ``planner`` command: parse, call the API, print, exit with an ExitCode."""
