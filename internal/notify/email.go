package notify

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/notification.html.tmpl"))
	textTmpl = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/notification.txt.tmpl"))
)

// Brand is who the e-mail comes from: the platform, or a partner's white
// label for its customers.
type Brand struct {
	Name         string // e.g. "Perimeter" or the partner's company name
	From         string // sender address; "" = the mailer's
	Color        string // accent colour (#rrggbb)
	SupportEmail string
	Footer       string
	Logo         []byte // PNG or SVG, embedded in the message
	LogoType     string // its MIME type
}

// DefaultBrand is the platform's own.
func DefaultBrand() Brand { return Brand{Name: "Perimeter", Color: "#2563eb"} }

// Email is one notification e-mail to compose.
type Email struct {
	ToName, ToAddress string
	Brand             Brand
	From              string // the mailer's default sender address
	Event             string
	Message           Message
	Data              map[string]any
	Date              time.Time
}

// Fact is a line of the e-mail's detail table.
type Fact struct{ Label, Value string }

// facts picks the payload fields worth showing, in a fixed order.
func facts(data map[string]any) []Fact {
	labels := map[string]string{"scan_name": "Scan", "status": "Status", "hosts_up": "Hosts up", "findings": "Findings",
		"count": "New vulnerabilities", "pci_compliant": "PCI compliant", "error": "Error", "started_at": "Started",
		"finished_at": "Finished", "check_id": "Check", "url": "URL", "reason": "Reason", "type": "Type", "format": "Format"}
	var keys []string
	for k := range labels {
		if v, ok := data[k]; ok && v != nil && fmt.Sprint(v) != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]Fact, 0, len(keys))
	for _, k := range keys {
		out = append(out, Fact{labels[k], str(data, k)})
	}
	return out
}

// Compose renders the e-mail as an RFC 5322 message: multipart/alternative
// with a plain-text and an HTML part (and the brand's logo inline).
func Compose(e Email) ([]byte, string, error) {
	e.Brand = e.Brand.withDefaults()
	name := e.ToName
	if name == "" {
		name = e.ToAddress
	}
	view := struct {
		Name, Event, LogoCID string
		Brand                Brand
		Message              Message
		Facts                []Fact
	}{Name: name, Event: e.Event, Brand: e.Brand, Message: e.Message, Facts: facts(e.Data), LogoCID: e.Brand.logoCID()}
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, view); err != nil {
		return nil, "", err
	}
	if err := htmlTmpl.Execute(&html, view); err != nil {
		return nil, "", err
	}
	from := e.Brand.sender(e.From)
	msg, err := assemble(e.Brand, from, e.ToName, e.ToAddress, e.Message.Title, e.Date, text.Bytes(), html.Bytes())
	return msg, SenderAddress(from), err
}

// withDefaults fills what a brand leaves empty from the platform's.
func (b Brand) withDefaults() Brand {
	if b.Name == "" {
		b = DefaultBrand()
	}
	if b.Color == "" {
		b.Color = DefaultBrand().Color
	}
	return b
}

// sender is the brand's From address, or the mailer's default.
func (b Brand) sender(mailerFrom string) string {
	if b.From != "" {
		return b.From
	}
	return mailerFrom
}

// logoCID is the Content-ID the HTML part refers to the logo by, "" when
// the brand has no logo an e-mail client shows inline.
func (b Brand) logoCID() string {
	if len(b.Logo) > 0 && (b.LogoType == "image/png" || b.LogoType == "image/svg+xml") {
		return "logo@perimeter"
	}
	return ""
}

// assemble writes the headers and the multipart/alternative body that every
// e-mail shares: plain text, then HTML (multipart/related with the logo when
// the brand has one).
func assemble(b Brand, from, toName, toAddress, subject string, date time.Time, text, html []byte) ([]byte, error) {
	if date.IsZero() {
		date = time.Now()
	}
	var msg bytes.Buffer
	alt := multipartAt(&msg, randomID())
	hdr := []string{
		"From: " + (&mail.Address{Name: b.Name, Address: SenderAddress(from)}).String(),
		"To: " + (&mail.Address{Name: toName, Address: toAddress}).String(),
		"Subject: " + mime.QEncoding.Encode("utf-8", subject),
		"Date: " + date.Format(time.RFC1123Z),
		"Message-ID: <" + randomID() + "@" + domainOf(SenderAddress(from)) + ">",
		"MIME-Version: 1.0",
		"Auto-Submitted: auto-generated",
		"Content-Type: multipart/alternative; boundary=" + alt.Boundary(),
	}
	msg.WriteString(strings.Join(hdr, "\r\n") + "\r\n\r\n")
	if err := qpPart(alt, "text/plain; charset=utf-8", text); err != nil {
		return nil, err
	}
	if cid := b.logoCID(); cid == "" {
		if err := qpPart(alt, "text/html; charset=utf-8", html); err != nil {
			return nil, err
		}
	} else if err := relatedPart(alt, html, b, cid); err != nil {
		return nil, err
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	return msg.Bytes(), nil
}

func multipartAt(buf *bytes.Buffer, boundary string) *multipart.Writer {
	w := multipart.NewWriter(buf)
	_ = w.SetBoundary(boundary)
	return w
}

func qpPart(w *multipart.Writer, ctype string, body []byte) error {
	p, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(p)
	if _, err := qp.Write(body); err != nil {
		return err
	}
	return qp.Close()
}

// relatedPart is the HTML with the logo it shows, as multipart/related.
func relatedPart(alt *multipart.Writer, html []byte, b Brand, cid string) error {
	var inner bytes.Buffer
	rel := multipart.NewWriter(&inner)
	if err := qpPart(rel, "text/html; charset=utf-8", html); err != nil {
		return err
	}
	p, err := rel.CreatePart(textproto.MIMEHeader{"Content-Type": {b.LogoType}, "Content-Transfer-Encoding": {"base64"},
		"Content-ID": {"<" + cid + ">"}, "Content-Disposition": {"inline; filename=logo"}})
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(b.Logo)
	for len(enc) > 76 {
		fmt.Fprintf(p, "%s\r\n", enc[:76])
		enc = enc[76:]
	}
	fmt.Fprintf(p, "%s\r\n", enc)
	if err := rel.Close(); err != nil {
		return err
	}
	w, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {"multipart/related; boundary=" + rel.Boundary()}})
	if err != nil {
		return err
	}
	_, err = w.Write(inner.Bytes())
	return err
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return d
	}
	return "perimeter.local"
}
