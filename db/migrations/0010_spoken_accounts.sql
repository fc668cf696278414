-- A voice or video message can be the citizen's whole account of what happened (for those who
-- cannot write well): such files are marked, and their length kept, so the card and the review can
-- say "🎤 voice, 0:42" and the post knows to listen.
ALTER TABLE complaint_evidence ADD COLUMN duration INTEGER;  -- seconds, as Telegram reported them
ALTER TABLE complaint_evidence ADD COLUMN account INTEGER NOT NULL DEFAULT 0;  -- 1: it tells what happened
