package httpauth

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// sseEvent is one event of a text/event-stream, or one comment line
// ([HTML Living Standard, Section 9.2.6]).
//
// [HTML Living Standard, Section 9.2.6]: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
type sseEvent struct {
	comment bool   // a comment line (": ping"): nothing else is set
	id      string // the "id" field, if the event had one
	hasID   bool
	event   string // the "event" field; "" means "message"
	data    []byte // the "data" fields joined by "\n"; valid until the next call
}

// errSSETooLong is returned for a line or an event longer than the limit.
var errSSETooLong = errors.New("httpauth: feed event too long")

// sseReader reads the events of a text/event-stream with explicit limits:
// a line (and so a field) longer than maxLine bytes, or an event whose
// data exceeds maxLine bytes, is an error, never a growing buffer. Lines
// end with "\n", "\r\n" or "\r". The "retry" field and unknown fields are
// ignored, as the standard asks.
type sseReader struct {
	r       *bufio.Reader
	maxLine int
	ev      sseEvent
	data    []byte
	pending [][]byte // lines split off a chunk ended by a lone "\r"
}

func newSSEReader(r io.Reader, maxLine int) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, maxLine+2), maxLine: maxLine}
}

// line returns the next line without its terminator; the slice is valid
// until the next call.
func (s *sseReader) line() ([]byte, error) {
	if len(s.pending) > 0 {
		l := s.pending[0]
		s.pending = s.pending[1:]
		return l, nil
	}
	chunk, err := s.r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, errSSETooLong
	case err == io.EOF && len(chunk) > 0:
		return nil, io.ErrUnexpectedEOF // an unterminated last line is discarded
	case err != nil:
		return nil, err
	}
	chunk = chunk[:len(chunk)-1]
	chunk = bytes.TrimSuffix(chunk, []byte{'\r'})
	if bytes.IndexByte(chunk, '\r') < 0 {
		return chunk, nil
	}
	parts := bytes.Split(chunk, []byte{'\r'})
	s.pending = parts[1:]
	return parts[0], nil
}

// next returns the next event or comment. At the end of the stream it
// returns io.EOF (or io.ErrUnexpectedEOF within an event).
func (s *sseReader) next() (*sseEvent, error) {
	s.ev = sseEvent{}
	s.data = s.data[:0]
	fields, hasData := false, false
	for {
		l, err := s.line()
		if err != nil {
			if err == io.EOF && fields {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if len(l) == 0 {
			if !hasData {
				// An event without data is not dispatched (the
				// standard's rule); its fields are forgotten.
				s.ev, fields = sseEvent{}, false
				continue
			}
			s.ev.data = s.data
			return &s.ev, nil
		}
		if l[0] == ':' {
			if fields {
				continue // a comment inside an event is ignored
			}
			return &sseEvent{comment: true}, nil
		}
		name, value, found := bytes.Cut(l, []byte{':'})
		if found && len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		fields = true
		switch string(name) {
		case "event":
			s.ev.event = string(value)
		case "data":
			if len(s.data)+len(value)+1 > s.maxLine {
				return nil, errSSETooLong
			}
			if hasData {
				s.data = append(s.data, '\n')
			}
			s.data = append(s.data, value...)
			hasData = true
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				s.ev.id, s.ev.hasID = string(value), true
			}
		}
	}
}

// String describes e for logs and test failures.
func (e *sseEvent) String() string {
	if e.comment {
		return "comment"
	}
	return fmt.Sprintf("event %q id %q data %q", e.event, e.id, e.data)
}
