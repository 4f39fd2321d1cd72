package jobs

import (
	"context"
	"log/slog"
)

// quietHandler demotes River's INFO records to DEBUG. River reports routine
// activity at INFO — "producer: Producer job counts" every 15 seconds per
// queue, maintenance services that "ran successfully" — which would flood
// the server log; its warnings and errors keep their level.
type quietHandler struct{ slog.Handler }

func demote(l slog.Level) slog.Level {
	if l >= slog.LevelInfo && l < slog.LevelWarn {
		return slog.LevelDebug
	}
	return l
}

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, demote(l))
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(attrs)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}

// riverLogger is the logger River gets: the server's, with River's INFO as DEBUG.
func riverLogger(log *slog.Logger) *slog.Logger {
	return slog.New(quietHandler{log.Handler()}).With("component", "jobs")
}
