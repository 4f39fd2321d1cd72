-- The vulnerability assistant's conversations: one per (finding, user),
-- a prompt and its answer forming a turn. Conversations are bounded: when a
-- turn is added, the oldest turns are dropped until the estimated tokens
-- (characters / 4) fit the server's budget, so the table holds what the next
-- prompt will send, and nothing more.
CREATE TABLE ai_messages (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    finding_id      TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    turn_id         TEXT NOT NULL,   -- shared by a prompt and its answer
    role            TEXT NOT NULL,   -- user | assistant
    content         TEXT NOT NULL,
    model           TEXT NOT NULL DEFAULT '',
    tokens          INTEGER NOT NULL, -- estimate: characters / 4, rounded up
    created_at      BIGINT NOT NULL
);
CREATE INDEX ai_messages_conversation ON ai_messages (organization_id, finding_id, user_id, created_at, id);
CREATE INDEX ai_messages_finding ON ai_messages (finding_id);
CREATE INDEX ai_messages_user ON ai_messages (user_id);
