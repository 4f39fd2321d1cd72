// Package importer reads the reports of other scanners — nmap XML, Nessus
// .nessus (v2) and OpenVAS/GVM XML — into the engine's result model, so their
// hosts, services and findings join the same lifecycle, PCI verdict and
// reports as Perimeter's own. Decoding streams: nmap and Nessus hosts are
// handed over one at a time as their element closes, so a report of any size
// is read in flat memory (GVM lists results apart from hosts, so its hosts
// are assembled first; its reports are small).
//
// Nothing here trusts the file: every address is parsed, every number
// bounded, every text clipped, and a malformed file is an *Error naming the
// line and element where reading stopped.
package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/textclip"
)

// Format is a report format this package reads.
type Format string

// The formats.
const (
	Nmap   Format = "nmap"   // nmap -oX
	Nessus Format = "nessus" // Nessus .nessus, NessusClientData_v2
	GVM    Format = "gvm"    // OpenVAS/GVM report XML (GMP get_reports or a report export)
)

// Formats lists the formats, for error messages and documentation.
var Formats = []Format{Nmap, Nessus, GVM}

// ParseFormat checks a format name given by a client.
func ParseFormat(s string) (Format, bool) {
	for _, f := range Formats {
		if string(f) == strings.ToLower(strings.TrimSpace(s)) {
			return f, true
		}
	}
	return "", false
}

// Report is what a file said about the scan as a whole.
type Report struct {
	Format   Format
	Scanner  string    // e.g. "nmap 7.93", "Nessus", "OpenVAS"
	Started  time.Time // zero when the file does not say
	Finished time.Time
	Hosts    int // hosts handed to emit
	Services int
	Findings int
}

// Error is a malformed report: where reading stopped and why.
type Error struct {
	Line    int    // 1-based line of the input, 0 when unknown
	Element string // the element being read, "" at the top level
	Msg     string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Element != "" {
		fmt.Fprintf(&b, "<%s>: ", e.Element)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Limits on what one report may hold; past them the file is refused rather
// than read into memory without bound.
const (
	maxPortsPerHost    = 70_000 // every TCP and UDP port, with room
	maxFindingsPerHost = 20_000
	maxText            = 16 << 10 // bytes kept of one description, output or evidence
	maxGVMResults      = 500_000  // GVM results are grouped by host in memory
)

// MaxDecompressed bounds what a compressed report may expand to.
const MaxDecompressed = 2 << 30

// boundedReader fails once more than left bytes were read: a compressed
// file cannot expand without end.
type boundedReader struct {
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, &Error{Msg: fmt.Sprintf("the compressed report expands to more than %d bytes", int64(MaxDecompressed))}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// Sniff tells the format from the root element. It returns a reader that
// still yields the whole input.
// A gzip-compressed report (nmap -oX - | gzip) is decompressed on the fly,
// up to MaxDecompressed bytes.
func Sniff(r io.Reader) (Format, io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", br, &Error{Msg: "malformed gzip data: " + err.Error()}
		}
		br = bufio.NewReaderSize(&boundedReader{r: zr, left: MaxDecompressed}, 64<<10)
	}
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", br, err
	}
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			return "", br, &Error{Msg: "not an nmap, Nessus or GVM XML report (no root element found)"}
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "nmaprun":
				return Nmap, br, nil
			case "NessusClientData_v2":
				return Nessus, br, nil
			case "report", "get_reports_response":
				return GVM, br, nil
			case "NessusClientData":
				return "", br, &Error{Line: 1, Element: se.Name.Local, Msg: "Nessus v1 files are not supported; export .nessus (v2)"}
			}
			return "", br, &Error{Element: se.Name.Local, Msg: "not an nmap, Nessus or GVM XML report"}
		}
	}
}

// Read decodes a report of format f from r, calling emit once per host. emit
// may return an error to stop (it is returned as is). A malformed file gives
// an *Error; hosts emitted before it were well-formed, so a caller that must
// store all or nothing collects them or writes in a transaction.
func Read(r io.Reader, f Format, emit func(result.Host) error) (Report, error) {
	d := newDecoder(r)
	var rep Report
	var err error
	switch f {
	case Nmap:
		err = readNmap(d, &rep, emit, nil)
	case Nessus:
		err = readNessus(d, &rep, emit)
	case GVM:
		err = readGVM(d, &rep, emit)
	default:
		return rep, &Error{Msg: fmt.Sprintf("unknown format %q", f)}
	}
	rep.Format = f
	return rep, err
}

// decoder wraps xml.Decoder with the position of the element being read.
type decoder struct {
	*xml.Decoder
}

func newDecoder(r io.Reader) *decoder {
	d := xml.NewDecoder(r)
	d.Strict = true
	// Reports are UTF-8 in practice; Latin-1 (some Nessus exports) is read
	// byte for byte as runes, which is what Latin-1 is.
	d.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "us-ascii", "ascii":
			return in, nil
		case "iso-8859-1", "latin1", "latin-1":
			return latin1Reader{in}, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	return &decoder{d}
}

// line is the current input line.
func (d *decoder) line() int {
	l, _ := d.InputPos()
	return l
}

// fail turns a decoding error into an *Error at the current position.
func (d *decoder) fail(element string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) && se.Msg == "unexpected EOF" {
		return &Error{Line: se.Line, Element: element, Msg: "the file ends before the report does"}
	}
	if errors.As(err, &se) {
		return &Error{Line: se.Line, Element: element, Msg: "malformed XML: " + se.Msg}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Line: d.line(), Element: element, Msg: "the file ends before the report does"}
	}
	return &Error{Line: d.line(), Element: element, Msg: err.Error()}
}

// elements calls fn for each child start element of the current element
// (or, at the top level, of the document), until the enclosing end element.
func (d *decoder) elements(parent string, fn func(se xml.StartElement) error) error {
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) && parent == "" {
				return nil
			}
			return d.fail(parent, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// skip skips the rest of the current element, reporting errors at its line.
func (d *decoder) skip(element string) error {
	if err := d.Skip(); err != nil {
		return d.fail(element, err)
	}
	return nil
}

// element decodes the current element into v, reporting errors at its line.
func (d *decoder) element(v any, se xml.StartElement) error {
	line := d.line()
	if err := d.DecodeElement(v, &se); err != nil {
		e := d.fail(se.Name.Local, err)
		if e.Line == 0 {
			e.Line = line
		}
		return e
	}
	return nil
}

// latin1Reader turns ISO-8859-1 into UTF-8: each byte is the code point of
// the same value.
type latin1Reader struct{ r io.Reader }

func (l latin1Reader) Read(p []byte) (int, error) {
	if len(p) < 2 {
		return 0, io.ErrShortBuffer
	}
	buf := make([]byte, len(p)/2)
	n, err := l.r.Read(buf)
	out := 0
	for _, b := range buf[:n] {
		if b < 0x80 {
			p[out] = b
			out++
			continue
		}
		p[out], p[out+1] = 0xc0|b>>6, 0x80|b&0x3f
		out += 2
	}
	return out, err
}

// clip bounds a text from the file and trims its surrounding space.
func clip(s string) string { return textclip.Bytes(strings.TrimSpace(s), maxText) }
