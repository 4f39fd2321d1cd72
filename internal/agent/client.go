package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// client speaks the agent protocol; each method is one HTTP call, without
// retries (see retry.go).
type client struct {
	base  *url.URL
	token string
	http  *http.Client
	ua    string
}

// Errors of one call, by what the agent must do about them.
var (
	// ErrUnauthorized: the server does not know the token (401). The agent
	// cannot do anything useful and exits.
	ErrUnauthorized = errors.New("the server refused the scanner token (401): check PERIMETER_AGENT_TOKEN or --token-file, " +
		"and that the scanner still exists")
	// errLost: the attempt is no longer this agent's (409), or the run is
	// not this scanner's (404): drop the job.
	errLost = errors.New("the job is no longer this agent's")
)

// refusedError is a 422: the server understood the call and will not take
// it; sending it again would not help.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return "the server refused: " + e.msg }

// forbiddenError is a 403: the scanner is inactive. It may be activated
// again, so the agent keeps polling, slowly.
type forbiddenError struct{ msg string }

func (e *forbiddenError) Error() string { return e.msg }

// transientError is a failure worth retrying: the network, a 5xx, a 429.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// apiError is the server's error body (only the message is used).
type apiError struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

func (e apiError) String() string {
	s := e.Message
	for f, msgs := range e.Errors {
		s += "; " + f + ": " + strings.Join(msgs, ", ")
	}
	return s
}

// post sends body as JSON to path and decodes a 200 answer into out. It
// returns (false, nil) on 204, and a classified error otherwise.
func (c *client) post(ctx context.Context, path string, body, out any) (bool, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+path, bytes.NewReader(b))
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Scanner "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		// The job's end (shutdown, dropped) is final; the call's own
		// timeout is just a failed try.
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
			return false, cause
		}
		return false, &transientError{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return false, &transientError{fmt.Errorf("reading the answer to %s: %w", path, err)}
	}
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return false, nil
	case resp.StatusCode == http.StatusOK:
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return false, &transientError{fmt.Errorf("%s: unreadable answer: %w", path, err)}
			}
		}
		return true, nil
	}
	var ae apiError
	_ = json.Unmarshal(data, &ae)
	if ae.Message == "" {
		ae.Message = strings.TrimSpace(string(data))
	}
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// Not followed: the token would go wherever the redirect points.
		return false, &refusedError{fmt.Sprintf("the server redirects to %q (%d); give --server the final URL",
			resp.Header.Get("Location"), resp.StatusCode)}
	case http.StatusUnauthorized:
		return false, ErrUnauthorized
	case http.StatusForbidden:
		return false, &forbiddenError{"the server refused the scanner (403): " + ae.String()}
	case http.StatusConflict, http.StatusNotFound:
		return false, fmt.Errorf("%w (%d: %s)", errLost, resp.StatusCode, ae.Message)
	case http.StatusUnprocessableEntity, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return false, &refusedError{fmt.Sprintf("%s (%d)", ae.String(), resp.StatusCode)}
	}
	return false, &transientError{fmt.Errorf("%s: %s: %s", path, resp.Status, ae.Message)}
}

// Job is a run the server handed to this agent (the claim's answer).
type Job struct {
	ID       string      `json:"id"`
	Attempt  int         `json:"attempt"`
	Hosts    string      `json:"hosts"`
	Exclude  string      `json:"exclude"`
	Ports    string      `json:"ports"`
	Profile  string      `json:"profile"`
	Settings JobSettings `json:"settings"`
}

// JobSettings are the run's engine switches.
type JobSettings struct {
	ServiceDetection bool     `json:"service_detection"`
	Checks           bool     `json:"checks"`
	CVE              bool     `json:"cve"`
	Families         []string `json:"families"`
}

type claimRequest struct {
	Version  string   `json:"version"`
	Networks []string `json:"networks"`
	Wait     int      `json:"wait"`
}

// claim long-polls for a job; nil when none came within the wait.
func (c *client) claim(ctx context.Context, in claimRequest) (*Job, error) {
	var out struct {
		Job *Job `json:"job"`
	}
	ok, err := c.post(ctx, "/v2/agent/jobs/claim", in, &out)
	if err != nil || !ok {
		return nil, err
	}
	return out.Job, nil
}

type progressRequest struct {
	Attempt  int     `json:"attempt"`
	Progress float64 `json:"progress"`
}

// progress heartbeats; it says whether the run was asked to stop.
func (c *client) progress(ctx context.Context, id string, in progressRequest) (bool, error) {
	var out struct {
		Stop bool `json:"stop"`
	}
	_, err := c.post(ctx, "/v2/agent/jobs/"+url.PathEscape(id)+"/progress", in, &out)
	return out.Stop, err
}

// results sends one batch (see batch.go for its body).
func (c *client) results(ctx context.Context, id string, b *batch) error {
	_, err := c.post(ctx, "/v2/agent/jobs/"+url.PathEscape(id)+"/results", b, nil)
	return err
}

type finishRequest struct {
	Attempt int         `json:"attempt"`
	Status  string      `json:"status"`
	Error   string      `json:"error,omitempty"`
	Stats   finishStats `json:"stats"`
}

type finishStats struct {
	HostsTotal  int   `json:"hosts_total"`
	PortsProbed int64 `json:"ports_probed"`
}

// finish ends the run (idempotent on the server for the same attempt).
func (c *client) finish(ctx context.Context, id string, in finishRequest) error {
	_, err := c.post(ctx, "/v2/agent/jobs/"+url.PathEscape(id)+"/finish", in, nil)
	return err
}

// release hands the run back on shutdown: the server queues it again at once
// as the next attempt.
func (c *client) release(ctx context.Context, id string, attempt int) error {
	_, err := c.post(ctx, "/v2/agent/jobs/"+url.PathEscape(id)+"/release", map[string]int{"attempt": attempt}, nil)
	return err
}
