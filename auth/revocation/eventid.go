package revocation

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// markLen is the length of the mark in an event id: 16 hex digits (64
// bits of SHA-256).
const markLen = 16

// maxEventID is the longest event id [ParseEventID] takes: 19 digits, a
// dot and the mark.
const maxEventID = 19 + 1 + markLen

// ErrBadEventID is wrapped by every error of [ParseEventID].
var ErrBadEventID = errors.New("revocation: malformed event id")

// EventID returns the feed's event id for v as the store holds it:
// "<seq>.<mark>", where the mark is a hash of the row's kind, subject,
// instants and CreatedAt, or "0" for Seq 0 (an empty store: before every
// row). A position is resumed only if the store still holds the row it
// names unchanged; a store restored from an older backup that has since
// given the same Seq to another row does not, so the feed asks for a new
// snapshot instead of skipping that row.
func EventID(v Revocation) string {
	if v.Seq <= 0 {
		return "0"
	}
	h := sha256.New()
	h.Write([]byte(v.Kind))
	h.Write([]byte{0})
	h.Write([]byte(v.Subject))
	var b [8 * 3 * 2]byte
	for i, t := range []time.Time{v.NotBefore, v.Expires, v.CreatedAt} {
		var s, ns int64
		if !t.IsZero() {
			s, ns = t.Unix(), int64(t.Nanosecond())
		}
		binary.BigEndian.PutUint64(b[16*i:], uint64(s))
		binary.BigEndian.PutUint64(b[16*i+8:], uint64(ns))
	}
	h.Write(b[:])
	var sum [sha256.Size]byte
	return strconv.FormatInt(v.Seq, 10) + "." + hex.EncodeToString(h.Sum(sum[:0])[:markLen/2])
}

// ParseEventID parses an event id ([EventID]) strictly: "0", or a
// sequence number of 1 or more in decimal without leading zeros, a dot
// and 16 lowercase hex digits. It returns the sequence number. Errors
// wrap [ErrBadEventID].
func ParseEventID(id string) (int64, error) {
	if id == "0" {
		return 0, nil
	}
	if len(id) > maxEventID {
		return 0, fmt.Errorf("%w: longer than %d bytes", ErrBadEventID, maxEventID)
	}
	num, mark, ok := strings.Cut(id, ".")
	if !ok || len(mark) != markLen || strings.Trim(mark, "0123456789abcdef") != "" {
		return 0, fmt.Errorf("%w: want <seq>.<%d hex digits>", ErrBadEventID, markLen)
	}
	if num == "" || num[0] == '0' || strings.Trim(num, "0123456789") != "" {
		return 0, fmt.Errorf("%w: sequence number", ErrBadEventID)
	}
	seq, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: sequence number", ErrBadEventID)
	}
	return seq, nil
}
