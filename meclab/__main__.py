"""``python -m meclab``: the same as the ``meclab`` command."""

from meclab.cli.main import main

main()
