package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/notify/smtptest"
)

func TestParseSMTPURL(t *testing.T) {
	m, err := notify.ParseSMTPURL("smtp://ann:p%40ss@mail.example.com:2525?starttls=required&from=alerts@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if m.Host != "mail.example.com" || m.Port != "2525" || m.User != "ann" || m.Password != "p@ss" || m.StartTLS != "required" || m.From != "alerts@example.com" {
		t.Fatalf("%+v", m)
	}
	if strings.Contains(m.Redacted(), "p@ss") {
		t.Fatal("Redacted shows the password")
	}
	for _, bad := range []string{"http://x", "smtp://", "smtp://h?starttls=maybe", "smtp://h:port"} {
		if _, err := notify.ParseSMTPURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// parts returns the text and HTML bodies of a multipart/alternative message.
func parts(t *testing.T, raw []byte) (*mail.Message, string, string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q", msg.Header.Get("Content-Type"))
	}
	var text, html string
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // NextPart decodes quoted-printable
		ct := p.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "text/plain"):
			text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			html = string(b)
		case strings.HasPrefix(ct, "multipart/related"): // the HTML and its logo
			_, rp, _ := mime.ParseMediaType(ct)
			rr := multipart.NewReader(bytes.NewReader(b), rp["boundary"])
			for {
				q, err := rr.NextPart()
				if err != nil {
					break
				}
				qb, _ := io.ReadAll(q)
				if strings.HasPrefix(q.Header.Get("Content-Type"), "text/html") {
					html = string(qb)
				} else if q.Header.Get("Content-Id") == "<logo@perimeter>" {
					html += "\n[logo " + q.Header.Get("Content-Type") + "]"
				}
			}
		}
	}
	return msg, text, html
}

func TestMailerSendsThroughARealSMTPServer(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: "relay", Password: "relay-pass", StartTLS: true})
	m, err := notify.ParseSMTPURL("smtp://relay:relay-pass@" + srv.Addr + "?starttls=required&from=alerts@perimeter.test")
	if err != nil {
		t.Fatal(err)
	}
	m.TLS = &tls.Config{RootCAs: srv.CAs}
	raw, _, err := notify.Compose(notify.Email{ToName: "Ann Lee", ToAddress: "ann@acme.test", From: m.From, Event: "scan_completed",
		Brand:   notify.Brand{Name: "Acme Security", From: "security@acme.test", Logo: []byte("\x89PNG fake"), LogoType: "image/png"},
		Message: notify.Message{Title: "Scan «nightly» completed", Body: "All <good> & well."},
		Data:    map[string]any{"scan_name": "nightly", "findings": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), "alerts@perimeter.test", []string{"ann@acme.test"}, raw); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 || got[0].From != "alerts@perimeter.test" || got[0].To[0] != "ann@acme.test" || got[0].Auth != "relay" || !got[0].TLS {
		t.Fatalf("server saw %+v", got)
	}
	msg, text, html := parts(t, got[0].Data)
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	from, _ := mail.ParseAddress(msg.Header.Get("From"))
	if subj != "Scan «nightly» completed" || from.Name != "Acme Security" || from.Address != "security@acme.test" {
		t.Fatalf("subject %q from %v", subj, from)
	}
	if !strings.Contains(text, "Hello Ann Lee,") || !strings.Contains(text, "All <good> & well.") || !strings.Contains(text, "Findings: 3") {
		t.Fatalf("text part:\n%s", text)
	}
	if !strings.Contains(html, "All &lt;good&gt; &amp; well.") || !strings.Contains(html, "cid:logo@perimeter") || !strings.Contains(html, "[logo image/png]") {
		t.Fatalf("html part (escaped, with the inline logo):\n%s", html)
	}

	// starttls=required against a server without it: refused before AUTH.
	plain := smtptest.Start(t, smtptest.Options{})
	m2, _ := notify.ParseSMTPURL("smtp://" + plain.Addr + "?starttls=required")
	if err := m2.Send(context.Background(), "a@b.test", []string{"c@d.test"}, raw); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v", err)
	}
	m3, _ := notify.ParseSMTPURL("smtp://" + plain.Addr + "?starttls=none")
	if err := m3.Send(context.Background(), "a@b.test", []string{"c@d.test"}, raw); err != nil || len(plain.Messages()) != 1 {
		t.Fatalf("plain relay: %v", err)
	}
}
