// Package schema is what Ward's SQL stores (auth/sqlite, auth/postgres)
// share below the SQL itself: how they encode values in columns and how
// they find their embedded migrations. Each store keeps its own SQL.
package schema

import (
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Nanos encodes t as Unix nanoseconds, the stores' time columns; the zero
// Time is 0 ("not set").
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Instants that Unix nanoseconds in an int64 can hold.
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// BoundNanos encodes a bound of a query on times: an instant before 1678
// or after 2262 (which an int64 of nanoseconds cannot hold) becomes the
// smallest or largest one.
func BoundNanos(t time.Time) int64 {
	switch {
	case t.Before(minNanoTime):
		return math.MinInt64
	case t.After(maxNanoTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// FromNanos decodes [Nanos].
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// JoinList encodes a list of words (roles, scopes: no spaces in them) as
// one space-separated column.
func JoinList(s []string) string { return strings.Join(s, " ") }

// SplitList decodes [JoinList]; "" is the empty (nil) list.
func SplitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// Migration is one embedded migration file.
type Migration struct {
	Version int    // the number its file name starts with: "0004_x.sql" is 4
	Name    string // the file's base name
	SQL     string
}

// Migrations returns the migrations matching pattern in fsys (such as
// "migrations/*.sql"), in increasing version order. Every name must start
// with its version number and "_", and no two may share a version, so
// that a database records which migrations it has whatever order branches
// added them in.
func Migrations(fsys fs.FS, pattern string) ([]Migration, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, name := range names {
		base := path.Base(name)
		digits, _, ok := strings.Cut(base, "_")
		n, err := strconv.Atoi(digits)
		if !ok || err != nil || n <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with its version number and _", base)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: n, Name: base, SQL: string(text)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}
