#!/usr/bin/env python3
"""Entry point: `python run_chat.py` starts the chat; `--help` lists the other modes."""

import sys

from chatbot.cli import main

if __name__ == "__main__":
    sys.exit(main())
