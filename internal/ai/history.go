package ai

import (
	"time"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/listing"
)

// Roles of stored chat messages.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleSystem    = "system"
)

// ChatMessage is one stored message of a conversation about a finding
// between a user and the assistant.
type ChatMessage struct {
	ID             string
	OrganizationID string
	FindingID      string
	UserID         string
	TurnID         string // a prompt and its answer share it
	Role           string // RoleUser or RoleAssistant
	Content        string
	Model          string // the model that answered (assistant messages)
	Tokens         int    // EstimateTokens(Content)
	CreatedAt      time.Time
}

// EstimateTokens estimates the tokens of s as its characters / 4, rounded
// up: close enough for English text with common tokenizers, and the same
// for every provider, so the history budget does not depend on the model.
func EstimateTokens(s string) int {
	return (utf8.RuneCountInString(s) + 3) / 4
}

// HistoryList declares how a conversation is listed: oldest first.
var HistoryList = listing.Spec{
	Columns: []listing.Column{
		{Name: "role", Kind: listing.Enum, Values: []string{RoleUser, RoleAssistant}},
		{Name: "created_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at",
}
