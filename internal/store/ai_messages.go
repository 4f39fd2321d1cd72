package store

import (
	"context"
	"database/sql"

	"github.com/perimeterhq/perimeter/internal/ai"
	"github.com/perimeterhq/perimeter/internal/listing"
)

const aiMessageColumns = `m.id, m.organization_id, m.finding_id, m.user_id, m.turn_id, m.role, m.content, m.model, m.tokens, m.created_at`

func scanAIMessage(sc interface{ Scan(...any) error }) (ai.ChatMessage, error) {
	var m ai.ChatMessage
	err := sc.Scan(&m.ID, &m.OrganizationID, &m.FindingID, &m.UserID, &m.TurnID, &m.Role, &m.Content, &m.Model, &m.Tokens,
		timeCol{&m.CreatedAt})
	return m, err
}

// InsertAIMessages stores messages of a conversation.
func (q *Q) InsertAIMessages(ctx context.Context, ms ...ai.ChatMessage) error {
	for _, m := range ms {
		if _, err := q.exec(ctx, `INSERT INTO ai_messages (id, organization_id, finding_id, user_id, turn_id, role, content, model,
			tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.OrganizationID, m.FindingID, m.UserID, m.TurnID, m.Role, m.Content, m.Model, m.Tokens, ts(m.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// AIConversation returns a user's whole conversation about a finding of an
// organization, oldest first.
func (q *Q) AIConversation(ctx context.Context, orgID, findingID, userID string) ([]ai.ChatMessage, error) {
	rows, err := q.query(ctx, `SELECT `+aiMessageColumns+` FROM ai_messages m
		WHERE m.organization_id = ? AND m.finding_id = ? AND m.user_id = ? ORDER BY m.created_at, m.id`, orgID, findingID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ai.ChatMessage
	for rows.Next() {
		m, err := scanAIMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// aiHistoryListSQL is ai.HistoryList in the SQL of FindAIMessages.
var aiHistoryListSQL = bindList(&ai.HistoryList, listSQL{
	Date: "m.created_at", ID: "m.id",
	Cols: map[string]colSQL{
		"role":       {Expr: "m.role"},
		"created_at": {Expr: "m.created_at"},
	},
})

// FindAIMessages lists a user's conversation about a finding of an
// organization.
func (q *Q) FindAIMessages(ctx context.Context, orgID, findingID, userID string, p listing.Params) ([]ai.ChatMessage, int, error) {
	lq := listQuery{Select: aiMessageColumns, From: "ai_messages m"}
	lq.where("m.organization_id = ?", orgID)
	lq.where("m.finding_id = ?", findingID)
	lq.where("m.user_id = ?", userID)
	var out []ai.ChatMessage
	total, err := q.runList(ctx, lq, aiHistoryListSQL, p, func(r *sql.Rows) error {
		m, err := scanAIMessage(r)
		out = append(out, m)
		return err
	})
	return out, total, err
}

// DeleteAITurns deletes turns of a user's conversation about a finding of an
// organization, and returns how many messages went.
func (q *Q) DeleteAITurns(ctx context.Context, orgID, findingID, userID string, turnIDs []string) (int, error) {
	if len(turnIDs) == 0 {
		return 0, nil
	}
	args := []any{orgID, findingID, userID}
	for _, id := range turnIDs {
		args = append(args, id)
	}
	res, err := q.exec(ctx, `DELETE FROM ai_messages WHERE organization_id = ? AND finding_id = ? AND user_id = ?
		AND turn_id IN (`+placeholders(len(turnIDs))+`)`, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err)
}
