"""The sandbox page's own words: its chrome, not the bot's messages.

`PAGE_STRINGS` maps the keys that `static/app.js` asks for to English source strings. They are marked
with `N_` so the catalog tool extracts them into `locales/*/LC_MESSAGES/messages.po` beside the bot's
strings, and `GET /api/i18n/<lang>` serves them translated. A value that needs a number or a name
carries `{name}`-style slots (not Python `%` placeholders): the page fills them in itself.
"""

from __future__ import annotations

from bot.i18n import N_

PAGE_STRINGS: dict[str, str] = {
    # Service lines in groups (render.py sends the event and a name)
    "service_joined": N_("{name} joined the group"),
    "service_left": N_("{name} left the group"),
    "service_renamed": N_("The group was renamed to {name}"),
    "service_upgraded": N_("The group became a supergroup"),
    "service_other": N_("The group was changed"),
    # Frame of the page
    "app_title": N_("Police complaints sandbox"),
    "chats": N_("Chats"),
    "language": N_("Language"),
    "back": N_("Back to chats"),
    "select_chat": N_("Choose a chat on the left to start."),
    "welcome": N_("Talk to the bot as a citizen, a police officer or a supervisor, as if in Telegram."),
    "connecting": N_("Connecting…"),
    "server_unreachable": N_("Could not reach the sandbox server."),
    "sandbox_reset": N_("The sandbox was started again from the beginning."),
    "unread": N_("{count} unread"),
    # Demo dialog and alerts
    "demo": N_("Demo"),
    "demo_title": N_("How this demo works"),
    "close": N_("Close"),
    "ok": N_("OK"),
    # Who the user acts as
    "act_as": N_("Act as"),
    "you_are": N_("You are: {name}"),
    "you": N_("You"),
    "persona_citizen": N_("Citizen"),
    "persona_officer": N_("Officer"),
    "persona_supervisor": N_("Supervisor"),
    "not_in_chat": N_("Not a member of this chat"),
    # Conversation
    "no_messages": N_("No messages here yet."),
    "start": N_("Start"),
    "start_hint": N_("The bot waits for /start, as in Telegram."),
    "reply": N_("Reply"),
    "replying_to": N_("Reply to {name}"),
    "cancel_reply": N_("Cancel reply"),
    "edited": N_("edited"),
    "typing": N_("typing…"),
    "sending_photo": N_("sending a photo…"),
    "sending_file": N_("sending a file…"),
    "download": N_("Download"),
    "open_full": N_("Open full size"),
    # Kinds of media, for snippets and file cards
    "media_photo": N_("Photo"),
    "media_document": N_("File"),
    "media_video": N_("Video"),
    "media_voice": N_("Voice message"),
    "media_audio": N_("Audio"),
    "media_animation": N_("GIF"),
    "media_sticker": N_("Sticker"),
    "media_video_note": N_("Video message"),
    "media_location": N_("Location"),
    "media_contact": N_("Contact"),
    # Composer
    "composer_placeholder": N_("Write a message…"),
    "send": N_("Send"),
    "attach": N_("Attach a photo or a file"),
    "share_location": N_("Send a location: Siem Reap, or type a latitude and longitude first, e.g. 11.56, 104.92"),
    "share_contact": N_("Share my phone number"),
    "show_keyboard": N_("Show the bot's buttons"),
    "hide_keyboard": N_("Hide the bot's buttons"),
    # Voice messages
    "record_voice": N_("Record a voice message"),
    "send_voice": N_("Stop and send the voice message"),
    "recording": N_("Recording a voice message…"),
    "cancel_recording": N_("Cancel the recording"),
    "voice_file": N_("Send a voice message from a sound file"),
    "mic_unavailable": N_("The microphone cannot be used here: choose a sound file instead."),
    # Header of a private chat: it is a chat with the bot
    "bot_subtitle": N_("bot"),
}
