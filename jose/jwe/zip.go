package jwe

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
)

// deflate appends the raw DEFLATE ([RFC 1951]) compression of p to dst, as
// "zip":"DEF" asks ([RFC 7516, Section 4.1.3]).
//
// [RFC 1951]: https://www.rfc-editor.org/rfc/rfc1951
// [RFC 7516, Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc7516#section-4.1.3
func deflate(p []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(p); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inflate decompresses p, reading at most limit bytes of output: a stream
// that inflates to more fails with ErrDecompressionLimit as soon as the
// limit is passed, so a compression bomb costs at most limit bytes and the
// decompressor's fixed window.
func inflate(p []byte, limit int) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(p))
	defer r.Close()
	out := make([]byte, 0, min(max(4*len(p), 512), limit+1))
	for {
		if len(out) == cap(out) {
			// Double, up to one byte past the limit: append's gentler
			// growth for large slices would allocate several times the cap.
			grown := make([]byte, len(out), min(2*cap(out), limit+1))
			copy(grown, out)
			out = grown
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if len(out) > limit {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrDecompressionLimit, limit)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: \"zip\":\"DEF\" payload: %v", ErrMalformed, err)
		}
	}
}
