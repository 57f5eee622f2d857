package revocation

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wardauth/ward/internal/strictjson"
)

// Limits of the JSON form.
const (
	// MaxSubject is the longest Subject the JSON form carries, in bytes.
	MaxSubject = 1024
	// maxUnix is the last second of year 9999: later instants are refused.
	maxUnix = 253402300799
	// maxDepth is the JSON nesting a snapshot needs: object, array, object.
	maxDepth = 3
)

// ErrMalformed is wrapped by every error of [ParseJSON] and
// [ParseSnapshot].
var ErrMalformed = errors.New("revocation: malformed JSON")

// AppendJSON appends the JSON form of v that the feed carries:
//
//	{"kind":"session","sub":"…","nbf":<unix>,"exp":<unix>,"seq":N}
//
// Instants are whole seconds: NotBefore rounded down (a user revocation
// refuses tokens issued in its second or earlier, so the second is all
// that counts) and Expires rounded up (kept no shorter); a zero instant is
// 0. CreatedAt is not carried. It fails if v's kind is unknown, its
// Subject longer than [MaxSubject] or not UTF-8, or an instant out of
// range.
func AppendJSON(dst []byte, v Revocation) ([]byte, error) {
	if !validKind(v.Kind) {
		return dst, fmt.Errorf("revocation: unknown kind %q", v.Kind)
	}
	if len(v.Subject) > MaxSubject {
		return dst, fmt.Errorf("revocation: subject longer than %d bytes", MaxSubject)
	}
	nbf, exp := unixFloor(v.NotBefore), unixCeil(v.Expires)
	if nbf < 0 || nbf > maxUnix || exp < 0 || exp > maxUnix || v.Seq < 0 {
		return dst, errors.New("revocation: instant or sequence number out of range")
	}
	orig := len(dst)
	dst = append(dst, `{"kind":"`...)
	dst = append(dst, v.Kind...)
	dst = append(dst, `","sub":`...)
	dst, err := strictjson.AppendString(dst, v.Subject)
	if err != nil {
		return dst[:orig], fmt.Errorf("revocation: subject: %w", err)
	}
	dst = append(dst, `,"nbf":`...)
	dst = strconv.AppendInt(dst, nbf, 10)
	dst = append(dst, `,"exp":`...)
	dst = strconv.AppendInt(dst, exp, 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, v.Seq, 10)
	return append(dst, '}'), nil
}

// ParseJSON parses the JSON form of one revocation ([AppendJSON])
// strictly: exactly the five members, each once, a known kind, a
// non-empty Subject of at most [MaxSubject] bytes, instants as integral
// seconds in years 1970–9999 (0: the zero instant) and a sequence number
// of 0 or more. Errors wrap [ErrMalformed].
func ParseJSON(data []byte) (Revocation, error) {
	var (
		v    Revocation
		seen uint8
	)
	err := strictjson.ForEachMember(data, 1, func(name, value []byte) (err error) {
		var bit uint8
		switch string(name) {
		case "kind":
			bit = 1
			v.Kind, err = parseString(value, 1, MaxSubject)
			if err == nil && !validKind(v.Kind) {
				err = fmt.Errorf("unknown kind %q", v.Kind)
			}
		case "sub":
			bit = 2
			v.Subject, err = parseString(value, 1, MaxSubject)
		case "nbf":
			bit = 4
			v.NotBefore, err = parseUnix(value)
		case "exp":
			bit = 8
			v.Expires, err = parseUnix(value)
		case "seq":
			bit = 16
			v.Seq, err = parseSeq(value)
		default:
			return fmt.Errorf("unknown member %q", name)
		}
		seen |= bit
		return err
	})
	if err == nil && seen != 31 {
		err = errors.New("kind, sub, nbf, exp and seq are required")
	}
	if err != nil {
		return Revocation{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return v, nil
}

// Snapshot is what the feed's snapshot endpoint answers: every
// revocation not expired at Time, the store's change sequence number
// Seq up to which it is complete, and ID, the event id ([EventID]) of
// the row with that Seq, from which the stream resumes.
type Snapshot struct {
	Seq         int64
	ID          string
	Revocations []Revocation
	Time        time.Time
}

// AppendSnapshot appends the JSON form of s:
//
//	{"seq":N,"id":"N.<mark>","revocations":[…],"time":<unix>}
//
// It fails if s.ID is not an event id of s.Seq.
func AppendSnapshot(dst []byte, s Snapshot) ([]byte, error) {
	if seq, err := ParseEventID(s.ID); err != nil || seq != s.Seq {
		return dst, fmt.Errorf("revocation: snapshot id %q is not an event id of seq %d", s.ID, s.Seq)
	}
	orig := len(dst)
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendInt(dst, s.Seq, 10)
	dst = append(dst, `,"id":"`...)
	dst = append(dst, s.ID...)
	dst = append(dst, `","revocations":[`...)
	for i, v := range s.Revocations {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = AppendJSON(dst, v); err != nil {
			return dst[:orig], err
		}
	}
	dst = append(dst, `],"time":`...)
	dst = strconv.AppendInt(dst, unixFloor(s.Time), 10)
	return append(dst, '}'), nil
}

// ParseSnapshot parses the JSON form of a snapshot ([AppendSnapshot])
// strictly, as [ParseJSON] parses each revocation, with an "id" that is
// an event id ([ParseEventID]) of "seq", refusing more than
// maxEntries revocations. Errors wrap [ErrMalformed].
func ParseSnapshot(data []byte, maxEntries int) (Snapshot, error) {
	var (
		s    Snapshot
		seen uint8
	)
	err := strictjson.ForEachMember(data, maxDepth, func(name, value []byte) (err error) {
		var bit uint8
		switch string(name) {
		case "seq":
			bit = 1
			s.Seq, err = parseSeq(value)
		case "id":
			bit = 8
			s.ID, err = parseString(value, 1, maxEventID)
		case "revocations":
			bit = 2
			s.Revocations = []Revocation{}
			err = strictjson.ForEachElement(value, 2, func(raw []byte) error {
				if len(s.Revocations) >= maxEntries {
					return fmt.Errorf("more than %d revocations", maxEntries)
				}
				v, err := ParseJSON(raw)
				if err != nil {
					return err
				}
				s.Revocations = append(s.Revocations, v)
				return nil
			})
		case "time":
			bit = 4
			s.Time, err = parseUnix(value)
		default:
			return fmt.Errorf("unknown member %q", name)
		}
		seen |= bit
		return err
	})
	if err == nil && seen != 15 {
		err = errors.New("seq, id, revocations and time are required")
	}
	if err == nil {
		if seq, idErr := ParseEventID(s.ID); idErr != nil {
			err = idErr
		} else if seq != s.Seq {
			err = errors.New("id is not an event id of seq")
		}
	}
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			return Snapshot{}, err
		}
		return Snapshot{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return s, nil
}

// parseString parses a JSON string of min to max bytes once unescaped.
func parseString(raw []byte, minLen, maxLen int) (string, error) {
	b, err := strictjson.DecodeString(raw)
	if err != nil {
		return "", err
	}
	if len(b) < minLen || len(b) > maxLen {
		return "", fmt.Errorf("string must have %d to %d bytes", minLen, maxLen)
	}
	return string(b), nil
}

// parseSeq parses a change sequence number: an integer, 0 or more.
func parseSeq(raw []byte) (int64, error) {
	n, err := strictjson.Int64(raw)
	if err == nil && n < 0 {
		err = errors.New("seq is negative")
	}
	return n, err
}

// parseUnix parses integral seconds since 1970 (0: the zero instant).
func parseUnix(raw []byte) (time.Time, error) {
	n, err := strictjson.Int64(raw)
	if err != nil {
		return time.Time{}, err
	}
	if n < 0 || n > maxUnix {
		return time.Time{}, errors.New("instant out of range")
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return time.Unix(n, 0).UTC(), nil
}

// unixFloor returns t in whole seconds since 1970, rounded down; 0 for the
// zero instant.
func unixFloor(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// unixCeil returns t in whole seconds since 1970, rounded up; 0 for the
// zero instant.
func unixCeil(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}
