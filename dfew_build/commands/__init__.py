"""Subcommands of ``dfew-build``: each module here has ``register(subparsers)``.

A module adds its subcommands with ``set_defaults(handler=...)``; a handler takes the parsed
arguments (``args.url`` is the resolved store URL) and a rich console, calls the library and
prints. :mod:`dfew_build.cli` finds the modules itself, so a new command group is a new file.
Modules import heavy libraries (pandas, scikit-learn, matplotlib, torch) inside their handlers,
so that ``dfew-build --help`` and every command start in a fraction of a second.
"""
