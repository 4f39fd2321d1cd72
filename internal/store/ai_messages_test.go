package store_test

import (
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/ai"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Conversations are read, listed and pruned only within their organization,
// finding and user; deleting the finding or the user deletes them.
func TestAIMessagesAreScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		mine := newResultsFixture(t, f.s, f.cus, 1)
		mine.run(t, id(500), t0, seedFindings("10.0.1.5"))
		theirs := newResultsFixture(t, f.s, f.other, 2)
		theirs.run(t, id(501), t0, seedFindings("10.0.1.5"))
		q := f.s.R()
		myFindings, _, err := q.FindFindings(ctx, f.cus.ID, params(t, &scan.FindingList, "per_page=1"))
		must(t, err)
		theirFindings, _, err := q.FindFindings(ctx, f.other.ID, params(t, &scan.FindingList, "per_page=1"))
		must(t, err)
		fid, theirFid := myFindings[0].ID, theirFindings[0].ID
		me, other := newUser(1, f.cus, "carol@customer.test", user.RoleUser), newUser(2, f.other, "olga@other.test", user.RoleUser)
		msg := func(n int, orgID, findingID, userID, turn, role string) ai.ChatMessage {
			return ai.ChatMessage{ID: id(600 + n), OrganizationID: orgID, FindingID: findingID, UserID: userID, TurnID: turn, Role: role,
				Content: "text", Tokens: 1, CreatedAt: t0.Add(time.Duration(n) * time.Second)}
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			for _, u := range []user.User{me, other} {
				if err := q.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return q.InsertAIMessages(ctx,
				msg(1, f.cus.ID, fid, me.ID, "t1", ai.RoleUser), msg(2, f.cus.ID, fid, me.ID, "t1", ai.RoleAssistant),
				msg(3, f.cus.ID, fid, me.ID, "t2", ai.RoleUser), msg(4, f.cus.ID, fid, me.ID, "t2", ai.RoleAssistant),
				msg(5, f.other.ID, theirFid, other.ID, "t1", ai.RoleUser))
		}))
		conv, err := q.AIConversation(ctx, f.cus.ID, fid, me.ID)
		if must(t, err); len(conv) != 4 || conv[0].ID != id(601) || conv[3].ID != id(604) {
			t.Fatalf("conversation %+v", conv)
		}
		for _, c := range []struct{ org, finding, user string }{
			{f.other.ID, fid, me.ID}, {f.cus.ID, theirFid, me.ID}, {f.cus.ID, fid, other.ID}, {f.other.ID, theirFid, me.ID},
		} {
			ms, total, err := q.FindAIMessages(ctx, c.org, c.finding, c.user, params(t, &ai.HistoryList, ""))
			if must(t, err); total != 0 || len(ms) != 0 {
				t.Fatalf("%+v sees %d messages", c, total)
			}
			conv, err := q.AIConversation(ctx, c.org, c.finding, c.user)
			if must(t, err); len(conv) != 0 {
				t.Fatalf("%+v reads %d messages", c, len(conv))
			}
		}
		ms, total, err := q.FindAIMessages(ctx, f.cus.ID, fid, me.ID, params(t, &ai.HistoryList, "per_page=3&q[role]=user"))
		if must(t, err); total != 2 || len(ms) != 2 || ms[0].Role != ai.RoleUser {
			t.Fatalf("filtered: %d %+v", total, ms)
		}
		// Another organization's ids delete nothing.
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			n, err := q.DeleteAITurns(ctx, f.other.ID, fid, me.ID, []string{"t1"})
			if err == nil && n != 0 {
				t.Errorf("deleted %d messages across organizations", n)
			}
			return err
		}))
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			n, err := q.DeleteAITurns(ctx, f.cus.ID, fid, me.ID, []string{"t1"})
			if err == nil && n != 2 {
				t.Errorf("deleted %d messages of turn t1", n)
			}
			return err
		}))
		if conv, _ := q.AIConversation(ctx, f.cus.ID, fid, me.ID); len(conv) != 2 || conv[0].TurnID != "t2" {
			t.Fatalf("after pruning %+v", conv)
		}
		if conv, _ := q.AIConversation(ctx, f.other.ID, theirFid, other.ID); len(conv) != 1 {
			t.Fatalf("their conversation %+v", conv)
		}
	})
}
