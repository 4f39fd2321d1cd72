package cve

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// EPSSInfo summarises a FIRST EPSS scores file.
type EPSSInfo struct {
	ModelVersion string // from the leading "#model_version:…" comment
	ScoreDate    string // from the same comment
	Count        int    // scored CVEs in the file
}

// ScanEPSS reads a FIRST EPSS CSV file (plain or gzipped) and returns its
// summary. It returns an error for malformed gzip or CSV, a header other than
// "cve,epss,percentile", a row whose id is not a CVE id, or a score or
// percentile that is not a number between 0 and 1.
func ScanEPSS(r io.Reader) (EPSSInfo, error) {
	info, _, err := readEPSS(r, nil)
	return info, err
}

// readEPSS parses the file. keep, when not nil, filters and interns ids: it
// returns the string to store (the CVE record's own id, so 250k keys cost no
// extra memory) and whether to store the score at all.
func readEPSS(r io.Reader, keep func(id string) (string, bool)) (EPSSInfo, map[string]EPSSScore, error) {
	var info EPSSInfo
	rc, err := maybeGunzip(r)
	if err != nil {
		return info, nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<16)
	line := 0
	if b, err := br.Peek(1); err == nil && b[0] == '#' {
		comment, err := br.ReadString('\n')
		if err != nil {
			return info, nil, errors.New("line 1: comment without a following header")
		}
		line = 1
		for _, kv := range strings.Split(strings.TrimSpace(strings.TrimPrefix(comment, "#")), ",") {
			k, v, _ := strings.Cut(kv, ":")
			switch strings.TrimSpace(k) {
			case "model_version":
				info.ModelVersion = strings.TrimSpace(v)
			case "score_date":
				info.ScoreDate = strings.TrimSpace(v)
			}
		}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 3
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return info, nil, fmt.Errorf("header: %w", err)
	}
	if !strings.EqualFold(strings.Join(header, ","), "cve,epss,percentile") {
		return info, nil, fmt.Errorf("line %d: header %q, want cve,epss,percentile", line+1, strings.Join(header, ","))
	}
	scores := map[string]EPSSScore{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, nil, err
		}
		row, _ := cr.FieldPos(0)
		id := rec[0]
		if !validID(id) {
			return info, nil, fmt.Errorf("line %d: id %q, want CVE-YYYY-NNNN", row+line, id)
		}
		score, err1 := parseProbability(rec[1])
		pct, err2 := parseProbability(rec[2])
		if err := errors.Join(err1, err2); err != nil {
			return info, nil, fmt.Errorf("line %d: %w", row+line, err)
		}
		info.Count++
		if keep != nil {
			var ok bool
			if id, ok = keep(id); !ok {
				continue
			}
		} else {
			id = strings.Clone(id) // a substring would pin the whole row
		}
		scores[id] = EPSSScore{Score: score, Percentile: pct}
	}
	return info, scores, nil
}

func parseProbability(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, fmt.Errorf("%q is not a probability between 0 and 1", s)
	}
	return f, nil
}
