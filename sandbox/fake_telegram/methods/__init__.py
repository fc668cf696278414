"""Bot API method implementations; importing this package registers them all in ``REGISTRY``."""

from . import bot, chats, media, messages, updates
from .common import REGISTRY, Context, MethodSpec
from .updates import Poller

__all__ = ["REGISTRY", "Context", "MethodSpec", "Poller", "bot", "chats", "media", "messages", "updates"]
