// A long typed text goes out as several messages, as Telegram's apps send it (loaded before
// app.js, whose sendText uses it).
"use strict";

const TELEGRAM_TEXT_LIMIT = 4096;   // UTF-16 units, as the Bot API counts (a JS string's length)

/** Where a client would cut `text` (longer than `limit`): the last paragraph or line break, else
 *  the end of a sentence, else a word boundary (Intl.Segmenter knows Khmer words, written without
 *  spaces), in the second half of the window so no part is tiny; else the last whole character. */
function telegramCut(text, limit) {
  const window = text.slice(0, limit);
  const half = Math.floor(limit / 2);
  const lastAfter = (pattern) => {
    let found = -1;
    for (const match of window.matchAll(pattern)) found = match.index + match[0].length;
    return found >= half ? found : -1;
  };
  for (const pattern of [/\n\s*\n/g, /\n/g, /[.!?។៕]["')\]]*\s+/g, /\s+/g]) {
    const cut = lastAfter(pattern);
    if (cut > 0) return cut;
  }
  if (typeof Intl.Segmenter === "function") {
    let cut = -1;
    for (const lang of ["km", undefined]) {
      for (const { index } of new Intl.Segmenter(lang, { granularity: "word" }).segment(window)) {
        if (index > 0) cut = index;
      }
      if (cut >= half) return cut;
    }
  }
  const high = window.charCodeAt(limit - 1);
  return high >= 0xd800 && high <= 0xdbff ? limit - 1 : limit;   // never half of a surrogate pair
}

/** A long typed text as the messages Telegram's apps send for it: each at most `limit` UTF-16
 *  units, cut at natural breaks, the spaces at a cut dropped. */
function splitLikeTelegram(text, limit = TELEGRAM_TEXT_LIMIT) {
  const parts = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = telegramCut(rest, limit);
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}
