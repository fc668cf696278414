// Voice notes, as Telegram's apps make them: 🎤 records with the microphone, 🎧 sends a chosen
// sound file; both go as voice messages with their length. Loaded before app.js; the UI part
// uses app.js's helpers ($, S, t, post, showToast, localDigits), which exist by the time it runs.
"use strict";

/** The first container MediaRecorder supports: Telegram's voice notes are Ogg Opus; Chromium
 *  records Opus in WebM. */
function voiceMimeType() {
  if (typeof MediaRecorder === "undefined") return null;
  return ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", "audio/webm"].find((type) => MediaRecorder.isTypeSupported(type)) ?? "";
}

/** One recording from the microphone: start(), then stop() gives {blob, duration, mimeType}, or
 *  cancel(). The duration is measured here: Chromium's WebM recordings do not carry one. */
class VoiceRecording {
  async start() {
    if (!navigator.mediaDevices?.getUserMedia || voiceMimeType() === null) throw new Error("no microphone API");
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mimeType = voiceMimeType();
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : {});
    this.chunks = [];
    this.recorder.addEventListener("dataavailable", (event) => { if (event.data.size) this.chunks.push(event.data); });
    this.recorder.start(250);
    this.startedAt = performance.now();
  }

  get seconds() {
    return this.startedAt ? (performance.now() - this.startedAt) / 1000 : 0;
  }

  stop() {
    const duration = Math.max(1, Math.round(this.seconds));
    return new Promise((resolve) => {
      this.recorder.addEventListener("stop", () => {
        this.release();
        const mimeType = (this.recorder.mimeType || "audio/webm").split(";")[0];
        resolve({ blob: new Blob(this.chunks, { type: mimeType }), duration, mimeType });
      }, { once: true });
      this.recorder.stop();
    });
  }

  cancel() {
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.release();
  }

  release() {
    for (const track of this.stream?.getTracks() ?? []) track.stop();   // the browser's mic indicator goes off
  }
}

/** Seconds of a chosen sound file, from its metadata (0 when the browser cannot tell). */
function audioFileDuration(file) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const audio = new Audio();
    const done = () => {
      URL.revokeObjectURL(url);
      resolve(Number.isFinite(audio.duration) ? Math.round(audio.duration) : 0);
    };
    audio.preload = "metadata";
    audio.addEventListener("loadedmetadata", done, { once: true });
    audio.addEventListener("error", () => { URL.revokeObjectURL(url); resolve(0); }, { once: true });
    setTimeout(done, 3000);
    audio.src = url;
  });
}

/** 0:42, as Telegram shows a voice note's length. */
function formatDuration(seconds) {
  const whole = Math.max(0, Math.round(seconds || 0));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

// ---------------------------------------------------------------- the composer's voice controls

/** 🎤: the first press records from the microphone, the second sends the note; ✕ drops it. Without
 *  a microphone (or permission) the page offers to choose a sound file instead. */
async function toggleRecording() {
  if (S.recording) { await finishRecording(); return; }
  if (S.openChatId === null) return;
  const recording = new VoiceRecording();
  try {
    await recording.start();
  } catch {
    showToast(t("mic_unavailable"));
    $("voice-file").click();
    return;
  }
  S.recording = recording;
  S.recordingTimer = setInterval(renderRecording, 250);
  renderRecording();
}

async function finishRecording() {
  const recording = S.recording;
  stopRecordingUi();
  const { blob, duration, mimeType } = await recording.stop();
  const extension = mimeType.includes("ogg") ? "ogg" : "webm";
  await uploadVoice(new File([blob], `voice.${extension}`, { type: mimeType }), duration);
}

function cancelRecording() {
  S.recording?.cancel();
  stopRecordingUi();
}

function stopRecordingUi() {
  clearInterval(S.recordingTimer);
  S.recording = null;
  renderRecording();
}

function renderRecording() {
  const recording = S.recording;
  $("recording-bar").hidden = !recording;
  $("composer").hidden = Boolean(recording);
  const button = $("record");
  button.classList.toggle("recording", Boolean(recording));
  const label = t(recording ? "send_voice" : "record_voice");
  button.title = label;
  button.setAttribute("aria-label", label);
  button.textContent = recording ? "➤" : "🎤";
  if (recording) $("recording-time").textContent = localDigits(formatDuration(recording.seconds));
}

async function chooseVoiceFile(file) {
  if (!file) return;
  await uploadVoice(file, await audioFileDuration(file));
}

/** A voice note goes as Telegram's voice message (not as a file), with its length. */
async function uploadVoice(file, duration) {
  if (S.openChatId === null) return;
  const form = new FormData();
  form.append("chat_id", String(S.openChatId));
  form.append("persona", S.persona);
  form.append("as", "voice");
  form.append("duration", String(duration || 0));
  if (S.replyTo) form.append("reply_to", String(S.replyTo.message.message_id));
  form.append("file", file, file.name);
  clearReply();
  await post("/api/upload", form);
}
