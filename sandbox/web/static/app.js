// Sandbox page: a small Telegram-like client for the fake Bot API server (contract: ../API.md).
//
// Safety rule: only `message.html` (already escaped by the server) goes through innerHTML. Every
// other string from the server — names, snippets, file names, button texts, toasts — is set with
// textContent, so nothing the citizen types can become markup on this page.
"use strict";

const TIME_ZONE = "Asia/Phnom_Penh";
const SIEM_REAP = { latitude: 13.3633, longitude: 103.8564 };
const TYPING_MS = 4500;     // the Bot API says a chat action lasts 5 s or until the next message
const TOAST_MS = 3000;
const STORE = { lang: "sandbox.lang", demoSeen: "sandbox.demoSeen", lastRead: "sandbox.lastRead", ids: "sandbox.personaIds" };

// Everything the page knows. Messages are kept for every chat (not only the open one) so the chat
// list can show snippets and unread counts.
const S = {
  lang: "km",
  strings: {},
  bot: null,
  personas: [],
  chats: [],
  demo: [],
  chatsById: new Map(),
  messages: new Map(),      // chat_id → [Message] sorted by message_id
  keyboards: new Map(),     // chat_id → ReplyKeyboard
  keyboardHidden: new Set(),// chat_ids whose reply keyboard the user (or one_time) folded away
  keyboardTimers: new Map(),// chat_id → pending re-read of its reply keyboard
  typing: new Map(),        // chat_id → {until, action}
  lastRead: loadJSON(STORE.lastRead, {}),   // chat_id → highest message_id seen
  personaIds: loadJSON(STORE.ids, {}),      // "chat_id:persona" → Telegram user id, learnt from our own sends
  forceReplySeen: new Map(),// chat_id → message_id whose force_reply was already applied
  openChatId: null,
  persona: null,
  replyTo: null,            // {message, auto}
  stickToBottom: true,
  eventsOpenedBefore: false,
  loading: null,
  recording: null,          // the VoiceRecording under way (compose.js), if any
  recordingTimer: null,
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- small helpers

function loadJSON(key, fallback) {
  try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
}

function saveJSON(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* private mode: not fatal */ }
}

/** Translated page string; `{name}` slots are filled from `values`. Unknown keys show as the key. */
function t(key, values = {}) {
  const text = S.strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

const KIND_ICONS = { photo: "🖼", document: "📄", video: "🎬", voice: "🎤", audio: "🎵", animation: "🎞",
  video_note: "📹", location: "📍", contact: "👤", sticker: "🙂" };

/** A new element; `text` always goes in as text, `attributes` as plain attributes. */
function el(tag, className, text, attributes = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) if (value != null) node.setAttribute(name, value);
  return node;
}

/** Links from the bot may only leave for the web (or Telegram); a `javascript:` URL is refused. */
function safeUrl(url) {
  return /^(https?:|tg:|mailto:|\/)/i.test(url || "") ? url : null;
}

function makeButton(className, text, onClick, attributes = {}) {
  const button = el("button", className, text, { type: "button", ...attributes });
  if (onClick) button.addEventListener("click", onClick);
  return button;
}

// Dates are formatted by hand for Khmer: Chromium builds often ship without Khmer locale data, and
// Intl then silently falls back to English. Khmer digits and month names as the bot writes them.
const KHMER_MONTHS = ["មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"];
const PHNOM_PENH = new Intl.DateTimeFormat("en-GB", {
  timeZone: TIME_ZONE, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function phnomPenhParts(seconds) {
  const parts = {};
  for (const { type, value } of PHNOM_PENH.formatToParts(new Date(seconds * 1000))) parts[type] = value;
  return parts;
}

function localDigits(text) {
  return S.lang === "km" ? String(text).replace(/[0-9]/g, (d) => String.fromCharCode(0x17e0 + Number(d))) : String(text);
}

function formatTime(seconds) {
  const { hour, minute } = phnomPenhParts(seconds);
  return localDigits(`${hour}:${minute}`);
}

function dayKey(seconds) {
  const { year, month, day } = phnomPenhParts(seconds);
  return `${year}-${month}-${day}`;
}

function formatDay(seconds, { withYear = true } = {}) {
  const { year, month, day } = phnomPenhParts(seconds);
  if (S.lang === "km") return localDigits(`${Number(day)} ${KHMER_MONTHS[month - 1]}${withYear ? ` ${year}` : ""}`);
  const options = withYear ? { day: "numeric", month: "long", year: "numeric" } : { day: "numeric", month: "short" };
  return new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, ...options }).format(new Date(seconds * 1000));
}

/** Chat-list time: the hour for today's messages, the date otherwise. */
function formatListTime(seconds) {
  return dayKey(seconds) === dayKey(Date.now() / 1000) ? formatTime(seconds) : formatDay(seconds, { withYear: false });
}

function formatSize(bytes) {
  if (bytes == null) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(unit === 0 || value >= 10 ? 0 : 1)} ${units[unit]}`;
}

/** Plain text of the server's safe HTML (parsed inertly: a <template> runs nothing). */
function htmlToText(html) {
  if (!html) return "";
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content.textContent;
}

function initials(name) {
  const words = String(name || "?").replace(/\(.*?\)/g, "").trim().split(/\s+/).filter((word) => /^\p{L}/u.test(word));
  // Two initials for Latin names ("SC"); one letter for Khmer, whose words run together.
  const count = /^[A-Za-z]/.test(words[0] || "") ? 2 : 1;
  const letters = words.slice(0, count).map((word) => Array.from(word)[0]);
  return (letters.join("") || "?").toUpperCase();
}

/** A stable colour per chat or person, like Telegram's avatar and name colours. */
function colourIndex(id) {
  const text = String(id);
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.codePointAt(0)) | 0;
  return Math.abs(hash) % 7;
}

function personaLabel(key) {
  const translated = S.strings[`persona_${key}`];
  return translated ?? S.personas.find((p) => p.key === key)?.label ?? key;
}

// ---------------------------------------------------------------- talking to the server

/** The page's language goes with every request: the server words its own texts (subtitles, the
 *  demo's description, refusals) in it. */
function languageHeader() {
  return S.lang ? { "Accept-Language": S.lang } : {};
}

async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json", ...languageHeader() } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

/** POST an action; errors become a toast. Returns the answer, or null when it failed. */
async function post(path, body) {
  let answer;
  try {
    const isForm = body instanceof FormData;
    const response = await fetch(path, {
      method: "POST",
      headers: isForm ? languageHeader() : { "Content-Type": "application/json", ...languageHeader() },
      body: isForm ? body : JSON.stringify(body),
    });
    answer = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  } catch {
    showToast(t("server_unreachable"));
    return null;
  }
  if (!answer.ok) {
    showToast(answer.error || t("server_unreachable"));
    return null;
  }
  if (answer.message) {
    learnPersonaId(body instanceof FormData ? body.get("persona") : body.persona, answer.message);
    upsertMessage(answer.message);
  }
  return answer;
}

/** Act in the open chat as the chosen persona. */
function act(path, fields) {
  return post(path, { chat_id: S.openChatId, persona: S.persona, ...fields });
}

// ---------------------------------------------------------------- language

async function setLanguage(lang) {
  try {
    S.strings = await getJSON(`/api/i18n/${lang}`);
  } catch {
    showToast(t("server_unreachable"));
    return;
  }
  S.lang = lang;
  try { localStorage.setItem(STORE.lang, lang); } catch { /* private mode: not fatal */ }
  document.documentElement.lang = lang;
  applyStrings();
  renderChatList();
  if (S.openChatId !== null) renderOpenChat({ keepScroll: true });
  renderDemoLines();
  if (S.chats && S.chats.length) await reloadAll();  // the server's texts in the new language
}

/** Put the translated strings into the static parts of the page (data-i18n-* attributes). */
function applyStrings() {
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    if (node.tagName === "BUTTON") node.title = t(node.dataset.i18nLabel);
  }
  for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  for (const node of document.querySelectorAll("[data-lang]")) {
    node.setAttribute("aria-pressed", String(node.dataset.lang === S.lang));
  }
  updateComposerPlaceholder();
  updateKeyboardToggle();
}

// ---------------------------------------------------------------- loading the world

/** Load /api/state and every chat's messages; used at start, after `reset` and after a reconnect. */
function reloadAll() {
  // Coalesce bursts (a reconnect right after a reset) into one load.
  if (!S.loading) S.loading = loadAll().finally(() => { S.loading = null; });
  return S.loading;
}

async function loadAll() {
  let state;
  try {
    state = await getJSON("/api/state");
  } catch {
    setConnected(false);
    return;
  }
  S.bot = state.bot;
  S.personas = state.personas || [];
  S.chats = state.chats || [];
  S.demo = state.demo || [];
  S.chatsById = new Map(S.chats.map((chat) => [chat.id, chat]));
  const answers = await Promise.all(S.chats.map((chat) => getJSON(`/api/chats/${chat.id}`).catch(() => null)));
  S.messages = new Map();
  S.keyboards = new Map();
  S.chats.forEach((chat, index) => {
    const answer = answers[index] || { messages: [], reply_keyboard: null };
    S.messages.set(chat.id, [...answer.messages].sort((a, b) => a.message_id - b.message_id));
    if (answer.reply_keyboard) S.keyboards.set(chat.id, answer.reply_keyboard);
    // A chat never seen before starts fully read, so a first visit shows no stale badges; a mark
    // beyond the last message is from an earlier world (the server restarted) and is pulled back.
    const last = lastMessageId(chat.id);
    if (!(chat.id in S.lastRead) || S.lastRead[chat.id] > last) S.lastRead[chat.id] = last;
  });
  saveJSON(STORE.lastRead, S.lastRead);
  renderChatList();
  renderDemoLines();
  if (S.openChatId !== null && S.chatsById.has(S.openChatId)) {
    const chat = S.chatsById.get(S.openChatId);
    if (!(S.persona in (chat.members || {}))) S.persona = defaultPersona(chat);
    renderOpenChat({ keepScroll: true });
  } else if (S.openChatId !== null) {
    closeChat();
  }
}

function lastMessageId(chatId) {
  const list = S.messages.get(chatId) || [];
  return list.length ? list[list.length - 1].message_id : 0;
}

// ---------------------------------------------------------------- who is "me"

// A persona is not one Telegram user everywhere (the officer is a different person in each unit's
// group), so who a persona is gets worked out per chat.

function learnPersonaId(persona, message) {
  if (!persona || !message?.from || message.from.is_bot) return;
  const key = `${message.chat_id}:${persona}`;
  if (S.personaIds[key] !== message.from.id) {
    S.personaIds[key] = message.from.id;
    saveJSON(STORE.ids, S.personaIds);
  }
}

/** The persona's Telegram user id in this chat, when it can be known. */
function personaUserId(chat, persona) {
  const learnt = S.personaIds[`${chat.id}:${persona}`];
  if (learnt !== undefined) return learnt;
  // In Telegram a private chat's id is its user's id: the same person (same name) in a group has it.
  const name = chat.members?.[persona];
  const own = S.chats.find((other) => other.kind === "private" && other.members?.[persona] === name);
  return own?.id;
}

function sameName(memberName, senderName) {
  const clean = (name) => String(name || "").replace(/\(.*?\)/g, "").trim().toLowerCase();
  const member = clean(memberName), sender = clean(senderName);
  return Boolean(member && sender) && (member === sender || member.startsWith(`${sender} `) || sender.startsWith(`${member} `));
}

/** Was this message sent by `persona` in its chat? (API.md's `outgoing` means "sent by the bot".) */
function isFromPersona(message, persona) {
  const from = message.from;
  const chat = S.chatsById.get(message.chat_id);
  if (!from || from.is_bot || !chat || !(persona in (chat.members || {}))) return false;
  if (chat.kind === "private") return true;   // the only person in a private chat with the bot
  const knownId = personaUserId(chat, persona);
  if (knownId !== undefined) return from.id === knownId;
  return sameName(chat.members[persona], from.name);   // not known yet: "Dara (officer)" is Dara
}

/** Sent from this page by any persona (for "You:" in snippets and for unread counts). */
function isFromUs(message) {
  const chat = S.chatsById.get(message.chat_id);
  return Object.keys(chat?.members || {}).some((persona) => isFromPersona(message, persona));
}

function defaultPersona(chat) {
  const members = Object.keys(chat.members || {});
  return members.includes(chat.default_persona) ? chat.default_persona : members[0] ?? null;
}

// ---------------------------------------------------------------- chat list

function unreadCount(chatId) {
  const since = S.lastRead[chatId] ?? 0;
  return (S.messages.get(chatId) || []).filter((m) => m.message_id > since && !m.service && !isFromUs(m)).length;
}

function markRead(chatId) {
  const last = lastMessageId(chatId);
  if ((S.lastRead[chatId] ?? 0) >= last) return;
  S.lastRead[chatId] = last;
  saveJSON(STORE.lastRead, S.lastRead);
}

/** A group's service message (someone joined, the group was renamed…) in the page's language. */
function serviceText(message) {
  const service = message.service;
  return t(`service_${service.event}`, { name: service.name });
}

/** One line of text standing for a message: its text, else the kind of media. */
function snippetOf(message) {
  if (message.service) return serviceText(message);
  const text = htmlToText(message.html).replace(/\s+/g, " ").trim();
  const media = message.media;
  if (!media) return text;
  if (media.kind === "sticker") return `${media.emoji || ""} ${t("media_sticker")}`.trim();
  const label = media.kind === "document" && media.file_name ? media.file_name : t(`media_${media.kind}`);
  return `${KIND_ICONS[media.kind] || "📎"} ${text || label}`;
}

function renderChatList() {
  const list = $("chat-list");
  list.replaceChildren(...S.chats.map(chatListItem));
}

function chatListItem(chat) {
  const item = el("li");
  const button = makeButton("chat-item", null, () => openChat(chat.id), {
    "data-testid": `chat-${chat.id}`, "data-chat-id": chat.id, "aria-current": chat.id === S.openChatId ? "true" : null,
  });

  const avatar = el("div", `avatar c${colourIndex(chat.id)}`, initials(chat.title), { "aria-hidden": "true" });
  const body = el("div", "chat-item-body");
  const top = el("div", "chat-item-row");
  const icon = chat.kind === "private" ? "" : "👥 ";
  top.append(el("span", "chat-item-title", icon + chat.title));
  const messages = S.messages.get(chat.id) || [];
  const last = messages[messages.length - 1];
  if (last) top.append(el("span", "chat-item-time", formatListTime(last.date)));
  body.append(top, el("div", "chat-item-subtitle", chat.subtitle || ""));

  const bottom = el("div", "chat-item-row");
  const typing = S.typing.get(chat.id);
  if (typing && typing.until > Date.now()) {
    bottom.append(el("span", "chat-item-snippet typing", typingText(typing.action)));
  } else {
    const snippet = el("span", "chat-item-snippet");
    if (last && !last.service) {
      const who = isFromUs(last) ? t("you") : chat.kind !== "private" ? last.from?.name : null;
      if (who) snippet.append(el("span", "snippet-sender", `${who}: `));
    }
    snippet.append(document.createTextNode(last ? snippetOf(last) : ""));
    bottom.append(snippet);
  }
  const unread = chat.id === S.openChatId ? 0 : unreadCount(chat.id);
  if (unread > 0) {
    bottom.append(el("span", "badge", localDigits(unread),
      { "data-testid": "unread", "aria-label": t("unread", { count: unread }) }));
  }
  body.append(bottom);
  button.append(avatar, body);
  item.append(button);
  return item;
}

// ---------------------------------------------------------------- opening a chat, personas

function openChat(chatId) {
  const chat = S.chatsById.get(chatId);
  if (!chat) return;
  const switching = chatId !== S.openChatId;
  S.openChatId = chatId;
  if (switching) {
    cancelRecording();   // a note being recorded belongs to the chat it was started in
    S.persona = defaultPersona(chat);
    S.replyTo = null;
    S.forceReplySeen.delete(chatId);   // coming back to a chat offers its pending forced reply again
    $("composer").value = "";
  }
  $("welcome").hidden = true;
  $("chat").hidden = false;
  $("app").classList.add("chat-open");
  closeAutoDemo();
  renderOpenChat({ keepScroll: !switching });
  if (switching) $("composer").focus({ preventScroll: true });
}

function closeChat() {
  cancelRecording();
  S.openChatId = null;
  S.replyTo = null;
  $("chat").hidden = true;
  $("welcome").hidden = false;
  $("app").classList.remove("chat-open");
  renderChatList();
}

function renderOpenChat({ keepScroll = false } = {}) {
  const chat = S.chatsById.get(S.openChatId);
  $("chat-title").textContent = chat.title;
  // A private chat is with the bot: its header names the bot, as Telegram's does ("bot" under it).
  $("chat-subtitle").textContent = chat.kind === "private" ? t("bot_subtitle") : chat.subtitle || "";
  const avatar = $("chat-avatar");
  avatar.className = `avatar c${colourIndex(chat.id)}`;
  avatar.textContent = initials(chat.title);
  renderPersonaSwitch();
  renderMessages({ keepScroll });
  renderTyping();
  renderReplyKeyboard();
  applyForceReply();
  renderReplyBar();
  renderComposerState();
  markRead(chat.id);
  renderChatList();
}

function renderPersonaSwitch() {
  const chat = S.chatsById.get(S.openChatId);
  const members = chat.members || {};
  const icons = { citizen: "🧑", officer: "👮", supervisor: "🎖️" };
  const buttons = S.personas.map(({ key }) => {
    const button = makeButton("persona-button", null, () => setPersona(key),
      { "data-testid": `persona-${key}`, "aria-pressed": String(key === S.persona) });
    button.append(el("span", "persona-icon", icons[key] || "👤", { "aria-hidden": "true" }),
      el("span", "persona-label", personaLabel(key)));
    button.disabled = !(key in members);
    button.title = key in members ? members[key] : t("not_in_chat");
    return button;
  });
  $("persona-switch").replaceChildren(...buttons);
  const name = members[S.persona];
  $("you-are").textContent = name ? t("you_are", { name }) : "";
}

function setPersona(key) {
  if (key === S.persona) return;
  S.persona = key;
  renderPersonaSwitch();
  renderMessages({ keepScroll: true });   // "mine" changes sides with the persona
  renderComposerState();
}

// ---------------------------------------------------------------- messages

function renderMessages({ keepScroll = false } = {}) {
  const scroller = $("messages");
  const previousTop = scroller.scrollTop;
  const column = $("messages-column");
  const messages = S.messages.get(S.openChatId) || [];
  const nodes = [];
  messages.forEach((message, index) => {
    const previous = messages[index - 1];
    if (!previous || dayKey(previous.date) !== dayKey(message.date)) nodes.push(daySeparator(message.date));
    nodes.push(messageNode(message, previous));
  });
  if (!messages.length) nodes.push(el("div", "empty-chat", t("no_messages")));
  column.replaceChildren(...nodes);
  if (keepScroll && !S.stickToBottom) scroller.scrollTop = previousTop;
  else scrollToBottom();
}

function daySeparator(seconds) {
  const node = el("div", "day-separator");
  node.append(el("span", null, formatDay(seconds)));
  return node;
}

function scrollToBottom() {
  const scroller = $("messages");
  scroller.scrollTop = scroller.scrollHeight;
  S.stickToBottom = true;
}

function findMessageNode(message) {
  return $("messages-column").querySelector(
    `[data-testid="message"][data-chat-id="${message.chat_id}"][data-message-id="${message.message_id}"]`);
}

/** One message: a centred service line, or a bubble with its inline keyboard and reply action. */
function messageNode(message, previous) {
  const chat = S.chatsById.get(message.chat_id);
  const row = el("div", "message", null,
    { "data-testid": "message", "data-message-id": message.message_id, "data-chat-id": message.chat_id });
  if (message.service) {
    row.classList.add("service");
    row.append(el("span", "service-text", serviceText(message)));
    return row;
  }
  const mine = isFromPersona(message, S.persona);
  row.classList.add(mine ? "out" : "in");
  const sameSender = previous && !previous.service && previous.from?.id === message.from?.id
    && dayKey(previous.date) === dayKey(message.date);
  if (sameSender) row.classList.add("continued");

  const bubble = el("div", "bubble");
  if (!mine && chat?.kind !== "private" && !sameSender && message.from) {
    bubble.append(el("div", `sender c${colourIndex(message.from.id)}`, message.from.name));
  }
  if (message.reply_to) bubble.append(replyQuote(message.reply_to));
  if (message.media) {
    bubble.append(mediaNode(message.media));
    bubble.classList.add(`has-${message.media.kind}`);
  }
  if (message.html) {
    const text = el("div", "text");
    text.innerHTML = message.html;   // safe: escaped by the server (API.md), the one innerHTML
    for (const link of text.querySelectorAll("a")) { link.target = "_blank"; link.rel = "noopener noreferrer"; }
    for (const spoiler of text.querySelectorAll(".spoiler")) {
      spoiler.addEventListener("click", () => spoiler.classList.add("revealed"));
    }
    bubble.append(text);
  }
  const meta = el("span", "meta");
  if (message.edited) meta.append(el("span", "edited", t("edited")));
  meta.append(el("time", null, formatTime(message.date), { datetime: new Date(message.date * 1000).toISOString() }));
  bubble.append(meta);
  bubble.addEventListener("dblclick", () => setReplyTo(message));

  const reply = makeButton("reply-action", "↩", () => setReplyTo(message),
    { "data-testid": "reply", title: t("reply"), "aria-label": t("reply") });

  const wrap = el("div", "bubble-wrap");
  wrap.append(bubble);
  if (message.buttons?.length) wrap.append(inlineKeyboard(message));
  row.append(wrap, reply);
  return row;
}

function replyQuote(replyTo) {
  const quote = makeButton("reply-quote", null, () => {
    const target = findMessageNode({ chat_id: S.openChatId, message_id: replyTo.message_id });
    if (!target) return;
    target.scrollIntoView({ block: "center", behavior: "smooth" });
    target.classList.remove("flash");
    void target.offsetWidth;   // restart the highlight animation
    target.classList.add("flash");
  });
  quote.append(el("span", "reply-quote-name", replyTo.from_name || ""), el("span", "reply-quote-text", replyTo.snippet || ""));
  return quote;
}

function mediaNode(media) {
  const kind = media.kind;
  if (kind === "photo" && media.url) {
    const button = makeButton("photo", null, () => openLightbox(media.url), { title: t("open_full") });
    button.append(el("img", null, null, { src: media.url, alt: t("media_photo"), loading: "lazy" }));
    return button;
  }
  if (kind === "sticker") {
    if (!media.emoji && media.url) {
      return el("img", "sticker-image", null, { src: media.url, alt: t("media_sticker") });
    }
    return el("div", "sticker", media.emoji || "🖼");
  }
  if (kind === "location") {
    return el("div", "location", `📍 ${media.latitude}, ${media.longitude}`, { title: t("media_location") });
  }
  if (kind === "contact") {
    const card = el("div", "contact-card");
    const name = media.contact_name || t("media_contact");
    card.append(el("div", `avatar small c${colourIndex(name)}`, initials(name)));
    const details = el("div");
    details.append(el("div", "contact-name", name), el("div", "contact-phone", media.phone || ""));
    card.append(details);
    return card;
  }
  const box = el("div", "media-box");
  if (media.url && (kind === "video" || kind === "animation" || kind === "video_note")) {
    const playback = kind === "animation" ? { autoplay: "", loop: "", muted: "", playsinline: "" } : { controls: "" };
    box.append(el("video", kind === "video_note" ? "round-video" : "video", null,
      { src: media.url, preload: "metadata", ...playback }));
  }
  if (media.url && (kind === "voice" || kind === "audio")) {
    box.append(el("audio", null, null, { src: media.url, controls: "", preload: "none" }));
  }
  box.append(fileCard(media));
  return box;
}

/** Documents (and the download link of other files): icon, name, size, and an <a download>. */
function fileCard(media) {
  const card = el("div", "file-card");
  const name = media.file_name || t(`media_${media.kind}`);
  const hasExtension = media.kind === "document" && /\.\w{1,4}$/.test(name);
  const icon = hasExtension ? name.split(".").pop().toUpperCase() : KIND_ICONS[media.kind] || "📄";
  card.append(el("div", `file-icon${hasExtension ? "" : " emoji"}`, icon));
  const details = el("div", "file-details");
  details.append(el("div", "file-name", name));
  const length = media.duration && (media.kind === "voice" || media.kind === "audio") ? formatDuration(media.duration) : "";
  const line = el("div", "file-size", [length && localDigits(length), formatSize(media.size)].filter(Boolean).join(" · "));
  if (safeUrl(media.url)) {
    if (line.textContent) line.append(" · ");
    line.append(el("a", "file-download", t("download"),
      { href: media.url, download: media.file_name || "", "data-testid": "download" }));
  }
  details.append(line);
  card.append(details);
  return card;
}

function inlineKeyboard(message) {
  const keyboard = el("div", "inline-keyboard");
  for (const row of message.buttons) {
    const line = el("div", "keyboard-row");
    for (const spec of row) {
      let button;
      if (safeUrl(spec.url)) {
        button = el("a", "inline-button url", spec.text,
          { href: safeUrl(spec.url), target: "_blank", rel: "noopener noreferrer", "data-testid": "button" });
      } else {
        button = makeButton("inline-button", spec.text, () => pressButton(message, spec, button),
          { "data-testid": "button", "data-callback": spec.data ?? null });
        button.disabled = spec.data == null;
      }
      line.append(button);
    }
    keyboard.append(line);
  }
  return keyboard;
}

/** Add, or replace in place, a message from an event or a POST answer. */
function upsertMessage(message, { isEdit = false } = {}) {
  if (!S.chatsById.has(message.chat_id)) { reloadAll(); return; }   // a chat we have not heard of
  const list = S.messages.get(message.chat_id) || [];
  S.messages.set(message.chat_id, list);
  const index = list.findIndex((m) => m.message_id === message.message_id);
  if (index >= 0) list[index] = message;
  else if (isEdit) return;   // an edit of a message we never had (deleted or before a reset)
  else {
    list.push(message);
    list.sort((a, b) => a.message_id - b.message_id);
  }
  if (message.from?.is_bot && !isEdit) {
    S.typing.delete(message.chat_id);   // the message ends "typing…"
    S.keyboardHidden.delete(message.chat_id);   // and may bring the reply keyboard back
    refreshKeyboardSoon(message.chat_id);
  }

  if (message.chat_id === S.openChatId) {
    const position = list.indexOf(message);
    const existing = findMessageNode(message);
    if (existing) {
      existing.replaceWith(messageNode(message, list[position - 1]));
    } else if (position === list.length - 1 && list.length > 1) {
      const previous = list[position - 1];
      const column = $("messages-column");
      if (dayKey(previous.date) !== dayKey(message.date)) column.append(daySeparator(message.date));
      column.append(messageNode(message, previous));
      if (S.stickToBottom || isFromPersona(message, S.persona)) scrollToBottom();
    } else {
      renderMessages({ keepScroll: true });
    }
    if (!document.hidden) markRead(message.chat_id);
    applyForceReply();
    renderTyping();
    renderComposerState();
  }
  renderChatList();
}

function removeMessage({ chat_id: chatId, message_id: messageId }) {
  const list = S.messages.get(chatId);
  if (!list) return;
  S.messages.set(chatId, list.filter((m) => m.message_id !== messageId));
  if (S.replyTo?.message.chat_id === chatId && S.replyTo.message.message_id === messageId) clearReply();
  if (chatId === S.openChatId) { renderMessages({ keepScroll: true }); renderComposerState(); }
  renderChatList();
}

// ---------------------------------------------------------------- replying

function setReplyTo(message, { auto = false } = {}) {
  if (message.service || message.chat_id !== S.openChatId) return;
  S.replyTo = { message, auto };
  renderReplyBar();
  updateComposerPlaceholder();
  $("composer").focus({ preventScroll: true });
}

function clearReply() {
  S.replyTo = null;
  renderReplyBar();
  updateComposerPlaceholder();
}

function renderReplyBar() {
  const bar = $("reply-bar");
  const reply = S.replyTo;
  bar.hidden = !reply;
  if (!reply) return;
  $("reply-bar-name").textContent = t("replying_to", { name: reply.message.from?.name ?? "" });
  $("reply-bar-snippet").textContent = snippetOf(reply.message).slice(0, 120);
}

/** When the bot's latest message asks for a forced reply, reply to it without being asked. */
function applyForceReply() {
  const list = S.messages.get(S.openChatId) || [];
  const latestBot = [...list].reverse().find((m) => m.from?.is_bot);
  if (!latestBot?.force_reply) return;
  if (S.forceReplySeen.get(S.openChatId) === latestBot.message_id) return;   // once: ✕ must stick
  S.forceReplySeen.set(S.openChatId, latestBot.message_id);
  setReplyTo(latestBot, { auto: true });
}

// ---------------------------------------------------------------- composer and reply keyboard

function renderComposerState() {
  const chat = S.chatsById.get(S.openChatId);
  if (!chat) return;
  const empty = !(S.messages.get(chat.id) || []).length;
  const needsStart = chat.kind === "private" && empty;
  $("start-area").hidden = !needsStart;
  $("composer-form").hidden = needsStart;
  updateComposerPlaceholder();
}

function updateComposerPlaceholder() {
  const composer = $("composer");
  const keyboard = S.keyboards.get(S.openChatId);
  let text = t("composer_placeholder");
  if (S.replyTo?.auto && S.replyTo.message.placeholder) text = S.replyTo.message.placeholder;
  else if (keyboard?.placeholder && !S.keyboardHidden.has(S.openChatId)) text = keyboard.placeholder;
  composer.placeholder = text;
}

function renderReplyKeyboard() {
  const box = $("reply-keyboard");
  const keyboard = S.keyboards.get(S.openChatId);
  const visible = Boolean(keyboard?.rows?.length) && !S.keyboardHidden.has(S.openChatId);
  box.hidden = !visible;
  box.replaceChildren();
  if (visible) {
    for (const row of keyboard.rows) {
      const line = el("div", "keyboard-row");
      for (const spec of row) {
        line.append(makeButton("reply-button", spec.text, () => tapButton(spec, keyboard), { "data-testid": "reply-button" }));
      }
      box.append(line);
    }
  }
  updateKeyboardToggle();
  updateComposerPlaceholder();
}

function updateKeyboardToggle() {
  const toggle = $("keyboard-toggle");
  const keyboard = S.keyboards.get(S.openChatId);
  toggle.hidden = !keyboard?.rows?.length;
  const shown = !S.keyboardHidden.has(S.openChatId);
  toggle.setAttribute("aria-expanded", String(shown));
  const label = t(shown ? "hide_keyboard" : "show_keyboard");
  toggle.title = label;
  toggle.setAttribute("aria-label", label);
}

function toggleKeyboard() {
  const chatId = S.openChatId;
  if (S.keyboardHidden.has(chatId)) S.keyboardHidden.delete(chatId);
  else S.keyboardHidden.add(chatId);
  renderReplyKeyboard();
}

function autoGrow() {
  const composer = $("composer");
  composer.style.height = "auto";
  composer.style.height = `${Math.min(composer.scrollHeight, 180)}px`;
}

// ---------------------------------------------------------------- actions

/** Send what was typed; a text over Telegram's 4,096 goes out as several messages, in order, as
 *  Telegram's apps do (compose.js). The first part carries the reply. */
async function sendText(text) {
  const parts = splitLikeTelegram(text);
  if (!parts.length || S.openChatId === null) return;
  let replyTo = S.replyTo?.message.message_id ?? null;
  const composer = $("composer");
  composer.value = "";
  autoGrow();
  clearReply();
  for (const [index, part] of parts.entries()) {
    const answer = await act("/api/send", { text: part, reply_to: replyTo });
    if (!answer) {   // give back what was not sent
      if (!composer.value) { composer.value = parts.slice(index).join("\n"); autoGrow(); }
      return;
    }
    replyTo = null;
  }
}

async function pressButton(message, spec, button) {
  button.classList.add("pending");
  button.disabled = true;
  await act("/api/press", { message_id: message.message_id, data: spec.data });
  // The message may have been re-rendered by an edit meanwhile; then this node is gone anyway.
  button.classList.remove("pending");
  button.disabled = false;
}

async function tapButton(spec, keyboard) {
  if (keyboard.one_time) { S.keyboardHidden.add(S.openChatId); renderReplyKeyboard(); }
  await act("/api/tap", { text: spec.text });
}

/** 📍: the composer's "lat, lon" if it holds one, otherwise a point in Siem Reap. */
async function shareLocation() {
  const composer = $("composer");
  const match = composer.value.trim().match(/^(-?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)$/);
  let point = SIEM_REAP;
  if (match && Math.abs(Number(match[1])) <= 90 && Math.abs(Number(match[2])) <= 180) {
    point = { latitude: Number(match[1]), longitude: Number(match[2]) };
    composer.value = "";
    autoGrow();
  }
  await act("/api/location", point);
}

async function shareContact() {
  await act("/api/contact", {});
}

async function uploadFile(file) {
  if (!file || S.openChatId === null) return;
  const form = new FormData();
  form.append("chat_id", String(S.openChatId));
  form.append("persona", S.persona);
  const caption = $("composer").value.trim();
  if (caption) form.append("caption", caption);
  if (S.replyTo) form.append("reply_to", String(S.replyTo.message.message_id));
  form.append("file", file, file.name);
  $("composer").value = "";
  autoGrow();
  clearReply();
  await post("/api/upload", form);
}

// ---------------------------------------------------------------- typing, toasts, dialogs

function typingText(action) {
  if (action === "upload_photo") return t("sending_photo");
  if (action && action.startsWith("upload_")) return t("sending_file");
  return t("typing");
}

function showTyping({ chat_id: chatId, action }) {
  const until = Date.now() + TYPING_MS;
  S.typing.set(chatId, { until, action });
  renderTyping();
  renderChatList();
  setTimeout(() => {
    if (S.typing.get(chatId)?.until !== until) return;   // a newer event extended it
    S.typing.delete(chatId);
    renderTyping();
    renderChatList();
  }, TYPING_MS);
}

function renderTyping() {
  const state = S.typing.get(S.openChatId);
  const active = Boolean(state && state.until > Date.now());
  $("typing").hidden = !active;
  $("chat-subtitle").hidden = active;
  if (active) $("typing").textContent = typingText(state.action);
}

/** A short notice. In an open chat it takes its own line above the composer (the messages move up
 *  for it), so it never covers a message; with no chat open it floats over the welcome note. */
function showToast(text) {
  const toast = el("div", "toast", text, { "data-testid": "toast", role: "status" });
  $($("chat").hidden ? "toasts-floating" : "toasts").append(toast);
  setTimeout(() => toast.classList.add("fading"), TOAST_MS);
  setTimeout(() => toast.remove(), TOAST_MS + 400);
}

function showAlert(text) {
  const dialog = $("alert-dialog");
  $("alert-text").textContent = text;
  if (!dialog.open) dialog.showModal();
}

function openLightbox(url) {
  $("lightbox-image").src = url;
  $("lightbox").showModal();
}

function renderDemoLines() {
  $("demo-lines").replaceChildren(...S.demo.map((line) => el("li", null, line)));
}

function openDemo() {
  const dialog = $("demo-dialog");
  if (dialog.open) dialog.close();
  dialog.classList.remove("floating");
  dialog.showModal();
}

/** First visit: show the demo notes without blocking the page (a test or a user can go on clicking). */
function showDemoOnFirstVisit() {
  if (loadJSON(STORE.demoSeen, false) || !S.demo.length) return;
  if (window.matchMedia("(max-width: 720px)").matches) return;   // it would cover the chat list
  saveJSON(STORE.demoSeen, true);
  const dialog = $("demo-dialog");
  dialog.classList.add("floating");
  dialog.show();
}

function closeAutoDemo() {
  const dialog = $("demo-dialog");
  if (dialog.open && dialog.classList.contains("floating")) dialog.close();
}

// ---------------------------------------------------------------- live events

function setConnected(connected) {
  $("connection").hidden = connected;
}

function connectEvents() {
  const events = new EventSource("/api/events");
  events.addEventListener("open", () => {
    setConnected(true);
    if (S.eventsOpenedBefore) reloadAll();   // we may have missed events while disconnected
    S.eventsOpenedBefore = true;
  });
  events.addEventListener("error", () => {
    setConnected(false);
    // EventSource retries by itself unless the server refused outright; then retry by hand.
    if (events.readyState === EventSource.CLOSED) setTimeout(connectEvents, 2000);
  });
  const handlers = {
    message: (data) => upsertMessage(data),
    edit: (data) => upsertMessage(data, { isEdit: true }),
    delete: removeMessage,
    keyboard: onKeyboard,
    toast: (data) => (data.show_alert ? showAlert(data.text) : showToast(data.text)),
    typing: showTyping,
    reset: onReset,
  };
  for (const [name, handle] of Object.entries(handlers)) {
    events.addEventListener(name, (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      handle(data);
    });
  }
}

function onKeyboard({ chat_id: chatId, reply_keyboard: keyboard }) {
  const changed = JSON.stringify(keyboard ?? null) !== JSON.stringify(S.keyboards.get(chatId) ?? null);
  if (keyboard) S.keyboards.set(chatId, keyboard);
  else S.keyboards.delete(chatId);
  if (changed) S.keyboardHidden.delete(chatId);   // a new keyboard from the bot is shown again
  if (chatId === S.openChatId) renderReplyKeyboard();
}

/** Re-read a chat's reply keyboard shortly after a bot message. The fake records a message's
 *  keyboard just after announcing the message, so the `keyboard` event can lag one message behind;
 *  GET /api/chats/<id> always has the current one. */
function refreshKeyboardSoon(chatId) {
  clearTimeout(S.keyboardTimers.get(chatId));
  S.keyboardTimers.set(chatId, setTimeout(async () => {
    try {
      const answer = await getJSON(`/api/chats/${chatId}`);
      onKeyboard({ chat_id: chatId, reply_keyboard: answer.reply_keyboard });
    } catch { /* the next event or reload will tell */ }
  }, 200));
}

function onReset() {
  // Message ids start again from 1 in a new world: forget what was read and replied to.
  S.lastRead = {};
  S.personaIds = {};   // the new world may give the personas new user ids
  saveJSON(STORE.lastRead, S.lastRead);
  saveJSON(STORE.ids, S.personaIds);
  S.forceReplySeen.clear();
  S.keyboardHidden.clear();
  S.typing.clear();
  S.replyTo = null;
  showToast(t("sandbox_reset"));
  reloadAll();
}

// ---------------------------------------------------------------- wiring

function wireStaticControls() {
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => setLanguage(button.dataset.lang));
  }
  $("demo-button").addEventListener("click", openDemo);
  $("back-button").addEventListener("click", closeChat);
  $("reply-cancel").addEventListener("click", clearReply);
  $("start-button").addEventListener("click", () => sendText("/start"));
  $("share-location").addEventListener("click", shareLocation);
  $("share-contact").addEventListener("click", shareContact);
  $("keyboard-toggle").addEventListener("click", toggleKeyboard);
  $("record").addEventListener("click", toggleRecording);
  $("recording-cancel").addEventListener("click", cancelRecording);
  $("voice-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    chooseVoiceFile(file);
  });
  $("attach").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";   // choosing the same file twice still fires `change`
    uploadFile(file);
  });
  $("composer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendText($("composer").value);
  });
  const composer = $("composer");
  composer.addEventListener("input", autoGrow);
  composer.addEventListener("keydown", (event) => {
    // isComposing: Enter that confirms a Khmer/IME candidate must not send the message.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText(composer.value);
    } else if (event.key === "Escape" && S.replyTo) {
      clearReply();
    }
  });
  $("messages").addEventListener("scroll", () => {
    const scroller = $("messages");
    S.stickToBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  });
  // Stay pinned to the newest message when images load or the footer grows (reply bar, keyboard).
  const keepPinned = new ResizeObserver(() => { if (S.stickToBottom) scrollToBottom(); });
  keepPinned.observe($("messages"));
  keepPinned.observe($("messages-column"));
  $("lightbox").addEventListener("click", () => $("lightbox").close());
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && S.openChatId !== null) { markRead(S.openChatId); renderChatList(); }
  });
}

async function start() {
  wireStaticControls();
  let stored = null;
  try { stored = localStorage.getItem(STORE.lang); } catch { /* private mode: Khmer */ }
  const lang = stored === "en" ? "en" : "km";
  S.lang = lang;
  document.documentElement.lang = lang;
  connectEvents();
  await setLanguage(lang);   // strings first, so nothing is ever drawn with bare keys
  await reloadAll();
  showDemoOnFirstVisit();
}

start();
