package feed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateFile records sync progress inside the feed directory. cve.Load
// ignores it.
const stateFile = "state.json"

// State is what `perimeter feed sync` remembers between runs.
type State struct {
	NVD  NVDState    `json:"nvd"`
	KEV  SourceState `json:"kev"`
	EPSS SourceState `json:"epss"`
	// Debian is the last `perimeter feed debian` import (sync never
	// downloads the Debian tracker).
	Debian SourceState `json:"debian,omitzero"`
}

// NVDState tracks the NVD mirror.
type NVDState struct {
	// LastSync is the instant the last complete sync covered NVD up to; the
	// next incremental sync asks for records modified since then.
	LastSync time.Time `json:"last_sync,omitzero"`
	// LastFull is when the last complete full download started.
	LastFull time.Time `json:"last_full,omitzero"`
	// Runs numbers sync runs; page files carry the number so they sort in
	// the order they were fetched.
	Runs int `json:"runs"`
	// Pending is an interrupted run, resumed by the next sync.
	Pending *NVDRun `json:"pending,omitempty"`
}

// NVDRun is one NVD download, saved after every page so it can resume.
type NVDRun struct {
	Seq     int       `json:"seq"`
	Full    bool      `json:"full"`
	Started time.Time `json:"started"`
	// Through is the instant the run covers NVD up to (its start).
	Through time.Time `json:"through"`
	// Windows are lastModified ranges of at most 120 days (NVD's limit);
	// a full run has one window with zero times, meaning no filter.
	Windows   []Window `json:"windows"`
	Window    int      `json:"window"`     // index of the window in progress
	NextIndex int      `json:"next_index"` // startIndex of the next page in that window
	Total     int      `json:"total"`      // totalResults NVD last reported for it
	Fetched   int      `json:"fetched"`    // CVE records saved by this run so far
}

// Window is a lastModified range [Start, End].
type Window struct {
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
}

// SourceState tracks a single-file source (KEV, EPSS).
type SourceState struct {
	LastSync     time.Time `json:"last_sync,omitzero"` // last successful check
	LastChange   time.Time `json:"last_change,omitzero"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	File         string    `json:"file,omitempty"` // name written in the feed directory
	Bytes        int64     `json:"bytes,omitempty"`
	Records      int       `json:"records,omitempty"`
}

// ReadState reads the sync state of the feed directory dir. A directory
// without one (never synced) gives the zero State and no error; an
// unreadable or malformed state file is an error.
func ReadState(dir string) (State, error) {
	var st State
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("feed: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("feed: %s: %w", filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

func writeState(dir string, st *State) error {
	return writeAtomic(filepath.Join(dir, stateFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	})
}

// writeAtomic writes path through a temporary file in the same directory
// and a rename, so readers (and a crash) see the old file or the new one,
// never half of one. Temporary names start with ".tmp-", which cve.Load
// skips.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
