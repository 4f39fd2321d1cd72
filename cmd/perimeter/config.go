package main

import (
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/spf13/pflag"
)

// Every flag has a PERIMETER_* environment equivalent; the flag wins when both
// are given. These helpers read the environment for the flag's default.

func envString(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// databaseFlag adds --database (PERIMETER_DATABASE_URL).
func databaseFlag(fs *pflag.FlagSet, dst *string) {
	fs.StringVar(dst, "database", envString("PERIMETER_DATABASE_URL", "sqlite:perimeter.db"),
		"database URL: sqlite:PATH or postgres://… (env PERIMETER_DATABASE_URL)")
}

func newLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
