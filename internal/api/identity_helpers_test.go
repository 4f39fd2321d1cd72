package api_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/notify/smtptest"
)

// idWorld is the tenancy tree with a real SMTP relay, running jobs (which
// send the e-mails) and a clock the test moves.
type idWorld struct {
	*tree
	smtp *smtptest.Server
	mu   sync.Mutex
	now  time.Time
}

func newIDWorld(t *testing.T, engine string, tweak func(*app.Config)) *idWorld {
	t.Helper()
	srv := smtptest.Start(t, smtptest.Options{User: "relay", Password: "relay-pass"})
	mailer, err := notify.ParseSMTPURL("smtp://relay:relay-pass@" + srv.Addr + "?starttls=none&from=accounts@perimeter.test")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastHooks()
	cfg.Hooks.Mailer = mailer
	cfg.ConsoleURL = "https://console.perimeter.test"
	if tweak != nil {
		tweak(&cfg)
	}
	w := &idWorld{tree: hookTree(t, engine, cfg), smtp: srv, now: time.Now().UTC()}
	w.e.App.SetClock(w.clock)
	w.e.StartJobs(t)
	return w
}

func (w *idWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *idWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

var tokenRE = regexp.MustCompile(`pmo_[A-Za-z0-9_-]{43}`)

// mailText returns the decoded text/plain part of a message.
func mailText(t *testing.T, raw []byte) (subject, text string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, err := io.ReadAll(quotedprintable.NewReader(p))
			if err != nil {
				t.Fatal(err)
			}
			return subject, string(b)
		}
	}
}

// mailToken waits for the n-th e-mail (1-based) to address and returns its
// subject and the one-time token it carries.
func (w *idWorld) mailToken(t *testing.T, to string, n int) (subject, token string) {
	t.Helper()
	var mine []smtptest.Message
	apitest.Eventually(t, 20*time.Second, "e-mail to "+to, func() bool {
		mine = mine[:0]
		for _, m := range w.smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == to {
				mine = append(mine, m)
			}
		}
		return len(mine) >= n
	})
	subject, text := mailText(t, mine[n-1].Data)
	tok := tokenRE.FindString(text)
	if tok == "" {
		t.Fatalf("no token in e-mail %q:\n%s", subject, text)
	}
	if !strings.Contains(text, "https://console.perimeter.test/") || !strings.Contains(text, tok) {
		t.Fatalf("e-mail lacks the console link:\n%s", text)
	}
	return subject, tok
}

// mailsTo counts the e-mails address got so far.
func (w *idWorld) mailsTo(to string) int {
	n := 0
	for _, m := range w.smtp.Messages() {
		if len(m.To) == 1 && m.To[0] == to {
			n++
		}
	}
	return n
}
